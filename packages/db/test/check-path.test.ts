import {
  type CustomerId,
  checkEntitlement,
  createCustomer,
  createPlan,
  createSubscription,
  type EntitlementCheck,
  newId,
  recordUsage,
  type ServiceContext,
} from '@ledger/domain';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/index.js';
import { createStore } from '../src/store/bind.js';
import { rowsOf } from '../src/store/scope.js';
import {
  createScratchPostgres,
  createTestDatabase,
  type ScratchPostgres,
  testDatabaseKinds,
  testServiceContext,
} from '../src/testing.js';

/**
 * An entitlement check reads its customer's plans and usage, then records itself. Outside a
 * transaction the records of checks already answered ride in the statement that reads for the
 * next ones (a data-modifying WITH), and each check still resolves only once its row committed.
 */

const scope = { tenantId: 'ride', appId: 'app' };
const RIDING = /"recorded" as \(/i;

/** A plan metering `calls` (up to 100), and `names.length` customers subscribed to it. */
async function seed(ctx: ServiceContext, names: string[]): Promise<CustomerId[]> {
  const plan = await createPlan(ctx, {
    name: 'Metered',
    slug: `metered-${names.join('-')}`,
    currency: 'USD',
    features: [{ key: 'calls', name: 'Calls', type: 'metered', limit: 100 }],
    pricing: { baseAmount: 0, billingPeriod: 'monthly', tiers: [] },
  });
  const ids: CustomerId[] = [];
  for (const name of names) {
    const customer = await createCustomer(ctx, {
      name,
      email: `${name}@ride.example`,
      currency: 'USD',
    });
    await createSubscription(ctx, { customerId: customer.id, planId: plan.id });
    ids.push(customer.id);
  }
  return ids;
}

async function recordedIds(database: Database, customerId: string): Promise<string[]> {
  const rows = rowsOf<{ id: string }>(
    await database.db.execute(
      sql`SELECT id FROM entitlement_checks WHERE customer_id = ${customerId} ORDER BY id`,
    ),
  );
  return rows.map((row) => row.id);
}

describe.each(testDatabaseKinds())('checks reading and recording together on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.close());

  it('answers checks made one turn after another from what committed, and records every one', async () => {
    const ctx = testServiceContext(database, scope);
    const [a, b] = await seed(ctx, ['waves-a', 'waves-b']);
    if (!a || !b) throw new Error('seeded two');
    await recordUsage(ctx, { customerId: a, featureKey: 'calls', quantity: 7 });
    await recordUsage(ctx, { customerId: b, featureKey: 'calls', quantity: 98 });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const pending: Array<Promise<EntitlementCheck>> = [];
    // Waves of two checks a turn apart: later waves read while earlier ones record.
    for (let wave = 0; wave < 10; wave++) {
      pending.push(checkEntitlement(ctx, { customerId: a, featureKey: 'calls', quantity: 2 }));
      pending.push(checkEntitlement(ctx, { customerId: b, featureKey: 'calls', quantity: 3 }));
      await turn();
    }
    const answers = await Promise.all(pending);
    for (const [i, answer] of answers.entries()) {
      if (i % 2 === 0) expect(answer).toMatchObject({ allowed: true, used: 7, remaining: 93 });
      else expect(answer).toMatchObject({ allowed: false, used: 98, reason: 'limit_exceeded' });
    }
    const ids = (i: number) =>
      answers
        .filter((_, j) => j % 2 === i)
        .map((answer) => answer.id)
        .sort();
    expect(await recordedIds(database, a)).toEqual(ids(0));
    expect(await recordedIds(database, b)).toEqual(ids(1));
  });

  it('fails only the record the database refuses when it rode with a read, and answers the read', async () => {
    const ctx = testServiceContext(database, scope);
    const [customer] = await seed(ctx, ['refused']);
    if (!customer) throw new Error('seeded one');
    const store = createStore(database.db);
    const check = (quantity: number): EntitlementCheck => ({
      id: newId('entitlementCheck'),
      customerId: customer,
      featureKey: 'calls',
      quantity,
      allowed: true,
      used: 0,
      limit: 100,
      remaining: 100,
      softLimit: false,
      reason: null,
      createdAt: new Date(),
    });
    const taken = check(1);
    await store.insertEntitlementCheck(scope, taken);
    const fresh = check(2);
    // In one turn: a read and two records, one of them with an id already recorded.
    const outcomes = await Promise.allSettled([
      store.getCustomerPlans(scope, customer, { periodUsageOf: 'calls' }),
      store.insertEntitlementCheck(scope, { ...taken }),
      store.insertEntitlementCheck(scope, fresh),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const [read] = outcomes;
    expect(read?.status === 'fulfilled' && read.value?.subscriptions).toHaveLength(1);
    expect(await recordedIds(database, customer)).toEqual([taken.id, fresh.id].sort());
  });
});

/**
 * On PostgreSQL, a read that comes while another is in flight waits for that one's answer, and
 * carries the record it makes: two checks in three statements, not four.
 */
describe.runIf(testDatabaseKinds().includes('postgres'))('riding records on postgres', () => {
  let scratch: ScratchPostgres;
  let database: Database;
  const seen: string[] = [];
  beforeAll(async () => {
    scratch = await createScratchPostgres();
    database = await openDatabase({ url: scratch.url, onStatement: (text) => seen.push(text) });
  });
  afterAll(async () => {
    await database.close();
    await scratch.drop();
  });

  it('sends the second check read with the first check record, once the first read answered', async () => {
    const ctx = testServiceContext(database, scope);
    const [a, b] = await seed(ctx, ['first', 'second']);
    if (!a || !b) throw new Error('seeded two');
    const locker = postgres(scratch.url, { max: 1, onnotice: () => {} });
    // pg_stat_activity is read once per transaction unless the snapshot is cleared.
    const waitingOnLock = async (tx: postgres.TransactionSql) => {
      await tx`SELECT pg_stat_clear_snapshot()`;
      const [row] = await tx`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return Number(row?.n);
    };
    seen.length = 0;
    let first: Promise<EntitlementCheck> | undefined;
    let second: Promise<EntitlementCheck> | undefined;
    let waitingWithSecond = 0;
    try {
      // The first check's read waits on this lock, so it is in flight when the second comes.
      await locker.begin(async (tx) => {
        await tx`LOCK TABLE customers IN ACCESS EXCLUSIVE MODE`;
        first = checkEntitlement(ctx, { customerId: a, featureKey: 'calls' });
        for (let tries = 0; tries < 100 && (await waitingOnLock(tx)) < 1; tries++)
          await new Promise((resolve) => setTimeout(resolve, 10));
        second = checkEntitlement(ctx, { customerId: b, featureKey: 'calls' });
        await new Promise((resolve) => setTimeout(resolve, 50));
        waitingWithSecond = await waitingOnLock(tx);
      });
      const answers = await Promise.all([first, second]);
      expect(answers.map((answer) => answer?.allowed)).toEqual([true, true]);
      // Only the first read reached the database while the lock was held.
      expect(waitingWithSecond).toBe(1);
      const checkStatements = seen.filter((text) =>
        /ledger_read_keys|entitlement_checks/.test(text),
      );
      expect(checkStatements).toHaveLength(3);
      expect(checkStatements[0]).not.toMatch(RIDING);
      expect(checkStatements[1]).toMatch(RIDING);
      expect(checkStatements[2]).toMatch(/^\s*INSERT INTO "entitlement_checks"/);
      expect(await recordedIds(database, a)).toEqual([answers[0]?.id]);
      expect(await recordedIds(database, b)).toEqual([answers[1]?.id]);
    } finally {
      await Promise.allSettled([first, second]);
      await locker.end();
    }
  });
});
