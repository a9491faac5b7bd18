import { type CustomerId, type EntitlementCheck, newId } from '@ledger/domain';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/index.js';
import * as schema from '../src/schema/index.js';
import { createStore } from '../src/store/bind.js';
import { MAX_CHECK_STATEMENTS_IN_FLIGHT } from '../src/store/entitlement-checks.js';
import { rowsOf } from '../src/store/scope.js';
import {
  createTestDatabase,
  postgresUrl,
  type TestDatabase,
  testDatabaseKinds,
} from '../src/testing.js';

const scope = { tenantId: 'checks', appId: 'app' };

/** A check of `customerId`, as the verb records it. */
function checkOf(customerId: string, i: number): EntitlementCheck {
  return {
    id: newId('entitlementCheck'),
    customerId: customerId as CustomerId,
    featureKey: 'calls',
    quantity: i + 1,
    allowed: i % 2 === 0,
    used: 9_007_199_254_740_000 + i,
    limit: -1,
    remaining: -1,
    softLimit: i % 3 === 0,
    reason: i % 2 === 0 ? null : 'limit_exceeded',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)),
  };
}

/**
 * Entitlement checks recorded outside a transaction are group-committed: concurrent checks share
 * an insert, each call resolves only once its own row is committed, and a row the database
 * refuses fails its own call only.
 */
describe.each(testDatabaseKinds())('recording entitlement checks on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.close());

  async function stored(customerId: string) {
    return rowsOf<Record<string, unknown>>(
      await database.db.execute(sql`SELECT id, quantity::text AS quantity, allowed,
          used::text AS used, "limit"::int AS "limit", soft_limit, reason, created_at
        FROM entitlement_checks c WHERE customer_id = ${customerId} ORDER BY c.quantity`),
    );
  }

  it('records 200 concurrent checks, every column as given, in fewer statements than checks', async () => {
    const statements: string[] = [];
    let client: postgres.Sql | null = null;
    if (kind === 'postgres') {
      const [current] = rowsOf<{ name: string }>(
        await database.db.execute(sql`SELECT current_database() AS name`),
      );
      const url = new URL(postgresUrl());
      url.pathname = `/${current?.name}`;
      client = postgres(url.toString(), {
        max: 4,
        onnotice: () => {},
        fetch_types: false,
        debug: (_connection, query) => statements.push(query),
      });
    }
    try {
      const store = client
        ? createStore(drizzle(client, { schema }) as unknown as Db)
        : createStore(database.db);
      const checks = Array.from({ length: 200 }, (_, i) => checkOf('cus_many', i));
      await Promise.all(checks.map((check) => store.insertEntitlementCheck(scope, check)));
      const rows = await stored('cus_many');
      expect(rows).toHaveLength(200);
      for (const [i, row] of rows.entries()) {
        const check = checks[i] as EntitlementCheck;
        expect(row.id).toBe(check.id);
        expect(row.used).toBe(String(check.used));
        expect(row.allowed).toBe(check.allowed);
        expect(row.soft_limit).toBe(check.softLimit);
        expect(row.reason).toBe(check.reason);
        expect(new Date(String(row.created_at)).getTime()).toBe(check.createdAt.getTime());
      }
      if (client) expect(statements.length).toBeLessThan(200 / 2);
    } finally {
      await client?.end();
    }
  });

  it('fails only the check whose row is refused, and records the others of its batch', async () => {
    const store = createStore(database.db);
    const taken = checkOf('cus_refused', 0);
    await store.insertEntitlementCheck(scope, taken);
    const others = Array.from({ length: 5 }, (_, i) => checkOf('cus_refused', i + 1));
    const outcomes = await Promise.allSettled(
      [others[0], { ...taken }, ...others.slice(1)].map((check) =>
        store.insertEntitlementCheck(scope, check as EntitlementCheck),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect((await stored('cus_refused')).map((row) => row.id)).toEqual([
      taken.id,
      ...others.map((check) => check.id),
    ]);
  });

  it('records a check inside a transaction with it, and not when it rolls back', async () => {
    const store = createStore(database.db);
    const kept = checkOf('cus_tx', 0);
    await store.transaction((tx) => tx.insertEntitlementCheck(scope, kept));
    await expect(
      store.transaction(async (tx) => {
        await tx.insertEntitlementCheck(scope, checkOf('cus_tx', 1));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await stored('cus_tx')).map((row) => row.id)).toEqual([kept.id]);
  });
});

/** On PostgreSQL, waiting for one commit does not hold back the next checks' statements. */
describe.runIf(testDatabaseKinds().includes('postgres'))('recording checks on postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(() => database.close());

  async function stored(customerId: string) {
    return rowsOf(
      await database.db.execute(
        sql`SELECT id FROM entitlement_checks WHERE customer_id = ${customerId}`,
      ),
    );
  }

  it('keeps several inserts in flight while earlier ones wait for their commit', async () => {
    const store = createStore(database.db);
    const locker = postgres(database.url ?? '', { max: 1, onnotice: () => {} });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const pending: Promise<void>[] = [];
    let waiting = 0;
    try {
      await locker.begin(async (tx) => {
        // Every insert waits on this lock, so none commits: if only one statement could run
        // at a time, each turn's check would queue behind the first.
        await tx`LOCK TABLE entitlement_checks IN EXCLUSIVE MODE`;
        for (let i = 0; i < 8; i++) {
          pending.push(store.insertEntitlementCheck(scope, checkOf('cus_flight', i)));
          await turn();
          await turn();
        }
        for (let tries = 0; tries < 100; tries++) {
          // pg_stat_activity is read once per transaction unless the snapshot is cleared.
          await tx`SELECT pg_stat_clear_snapshot()`;
          const [row] = await tx`SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`;
          waiting = Number(row?.n);
          if (waiting >= MAX_CHECK_STATEMENTS_IN_FLIGHT) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
    } finally {
      await Promise.allSettled(pending);
      await locker.end();
    }
    await Promise.all(pending);
    expect(waiting).toBeGreaterThan(1);
    expect(waiting).toBe(MAX_CHECK_STATEMENTS_IN_FLIGHT);
    expect(await stored('cus_flight')).toHaveLength(8);
  });
});
