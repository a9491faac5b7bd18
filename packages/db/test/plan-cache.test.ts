import {
  checkEntitlement,
  createCustomer,
  createPlan,
  createSubscription,
  recordUsage,
} from '@ledger/domain';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/index.js';
import { createTestDatabase, testDatabaseKinds, testServiceContext } from '../src/testing.js';

/**
 * PostgreSQL plans a prepared statement's first five runs with their values (custom plans), then
 * keeps the generic plan unless it costs more than those did on average. That average outlives a
 * change of statistics: a statement whose generic cost grows with a table (here the usage events)
 * is planned afresh on every run for thousands of runs once an ANALYZE has seen the table grow.
 * The entitlement check's read must not be such a statement. PGlite's driver sends unnamed
 * statements, planned on every run anyway, so this is PostgreSQL's alone.
 */

interface Counts {
  generic: number;
  custom: number;
}

async function checkReadPlans(database: Database): Promise<Counts> {
  const result = await database.db.execute(
    sql`SELECT generic_plans::int AS generic, custom_plans::int AS custom
        FROM pg_prepared_statements
        WHERE statement LIKE '%ledger_read_keys%' AND statement LIKE '%usage_aggregates%'`,
  );
  const [row, ...more] = [...(result as unknown as Counts[])];
  if (!row || more.length) throw new Error(`one prepared check read, not ${more.length + 1}`);
  return row;
}

describe.runIf(testDatabaseKinds().includes('postgres'))('the check read on postgres', () => {
  let database: Database;
  // One connection: the prepared statements counted are those every check ran on.
  beforeAll(async () => {
    database = await createTestDatabase('postgres', { poolSize: 1 });
  });
  afterAll(() => database.close());

  it('keeps its generic plan once statistics show a customer with many events', async () => {
    const ctx = testServiceContext(database, { tenantId: 'tp', appId: 'a' });
    const plan = await createPlan(ctx, {
      name: 'Metered',
      slug: 'metered',
      currency: 'USD',
      features: [{ key: 'calls', name: 'Calls', type: 'metered', limit: 1_000_000 }],
      pricing: { baseAmount: 0, billingPeriod: 'monthly', tiers: [] },
    });
    const [light, heavy] = await Promise.all(
      ['light', 'heavy'].map((name) =>
        createCustomer(ctx, { name, email: `${name}@plans.example`, currency: 'USD' }),
      ),
    );
    if (!light || !heavy) throw new Error('created two');
    for (const customer of [light, heavy])
      await createSubscription(ctx, { customerId: customer.id, planId: plan.id });
    await recordUsage(ctx, { customerId: light.id, featureKey: 'calls', quantity: 3 });
    const check = () => checkEntitlement(ctx, { customerId: light.id, featureKey: 'calls' });
    for (let i = 0; i < 8; i++) await check();
    const before = await checkReadPlans(database);
    expect(before).toEqual({ generic: 3, custom: 5 });

    // 200,000 events of the other customer, in its current bucket, then fresh statistics.
    await database.db.execute(
      sql.raw(`INSERT INTO usage_events (tenant_id, app_id, id, customer_id, feature_key, quantity,
          "timestamp", created_at, bucket_start)
        SELECT 'tp', 'a', 'ue_many_' || g, s.customer_id, 'calls', 1, now(), now(),
          greatest(s.created_at, s.current_period_start,
            date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
        FROM generate_series(1, 200000) g,
          (SELECT customer_id, created_at, current_period_start FROM subscriptions
           WHERE customer_id = '${heavy.id}') s`),
    );
    await database.db.execute(sql.raw('ANALYZE'));

    for (let i = 0; i < 20; i++) expect(await check()).toMatchObject({ used: 3, allowed: true });
    const after = await checkReadPlans(database);
    // Each of the 20 ran the generic plan (one replanned after the ANALYZE), none a custom one.
    expect(after).toEqual({ generic: before.generic + 20, custom: before.custom });
    const heavyCheck = await checkEntitlement(ctx, { customerId: heavy.id, featureKey: 'calls' });
    expect(heavyCheck).toMatchObject({ used: 200_000, allowed: true });
  });
});
