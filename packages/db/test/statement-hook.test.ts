import {
  checkEntitlement,
  createCustomer,
  createPlan,
  createSubscription,
  getCustomer,
  recordUsage,
  updateCustomer,
} from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformStore, type Database, openDatabase } from '../src/index.js';
import {
  createScratchPostgres,
  type ScratchPostgres,
  testDatabaseKinds,
  testServiceContext,
} from '../src/testing.js';

describe.runIf(testDatabaseKinds().includes('postgres'))('onStatement on postgres', () => {
  let scratch: ScratchPostgres;
  let database: Database;
  const seen: string[] = [];

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    database = await openDatabase({ url: scratch.url, onStatement: (sql) => seen.push(sql) });
  });
  afterAll(async () => {
    await database.close();
    await scratch.drop();
  });

  it('hears every statement the pool sends, transaction control included, and no migration', async () => {
    // Opening sent one: the look for tables whose statistics nothing keeps (none yet).
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/FROM pg_class c/);
    seen.length = 0;
    await database.ping();
    expect(seen).toEqual(['SELECT 1']);
    const ctx = testServiceContext(database, { tenantId: 't', appId: 'a' });
    const customer = await createCustomer(ctx, {
      name: 'A',
      email: 'a@hook.example',
      currency: 'USD',
    });
    // A new customer is one statement (with its event), without BEGIN/COMMIT.
    expect(seen.slice(1)).toHaveLength(1);
    expect(seen[1]).toMatch(/insert into "customers"/i);
    seen.length = 0;
    await updateCustomer(ctx, { id: customer.id, name: 'B' });
    expect(seen[0]?.trim().toLowerCase()).toBe('begin');
    expect(seen.at(-1)?.trim().toLowerCase()).toBe('commit');
    expect(seen.some((sql) => /update "customers"/i.test(sql))).toBe(true);
  });

  it('keeps a keyed answer that mentions a customer in one statement, and replays it', async () => {
    const scope = { tenantId: 't', appId: 'a' };
    const platform = await createPlatformStore(database.db);
    const customer = await createCustomer(testServiceContext(database, scope), {
      name: 'K',
      email: 'k@hook.example',
      currency: 'USD',
    });
    const now = new Date();
    const request = {
      key: 'keep-1',
      requestHash: 'hash',
      now,
      expiredBefore: new Date(now.getTime() - 86_400_000),
      lockedUntil: new Date(now.getTime() + 300_000),
      owner: 'attempt-1',
    };
    expect(await platform.reserveIdempotencyKey(scope, request)).toMatchObject({ reserved: true });
    const response = {
      status: 201,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: customer.id, name: 'K' }),
    };
    seen.length = 0;
    await platform.completeIdempotencyKey(scope, 'keep-1', response, {
      customerIds: [customer.id],
      scrub: () => 'scrubbed',
    });
    // The shared lock on the customer and the write of the answer: no BEGIN, read and COMMIT.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/FOR SHARE/);
    const replay = await platform.reserveIdempotencyKey(scope, { ...request, owner: 'attempt-2' });
    expect(replay).toMatchObject({ reserved: false, record: { status: 'completed', response } });
  });

  it('answers an entitlement check of a period-counted feature from one read, then records it', async () => {
    const ctx = testServiceContext(database, { tenantId: 't', appId: 'a' });
    const plan = await createPlan(ctx, {
      name: 'Metered',
      slug: 'metered',
      currency: 'USD',
      features: [
        { key: 'calls', name: 'Calls', type: 'metered', limit: 10 },
        { key: 'tokens', name: 'Tokens', type: 'metered', limit: 10, period: 'none' },
      ],
      pricing: { baseAmount: 0, billingPeriod: 'monthly', tiers: [] },
    });
    const customer = await createCustomer(ctx, {
      name: 'C',
      email: 'c@hook.example',
      currency: 'USD',
    });
    await createSubscription(ctx, { customerId: customer.id, planId: plan.id });
    for (const featureKey of ['calls', 'tokens'])
      await recordUsage(ctx, { customerId: customer.id, featureKey, quantity: 4 });
    seen.length = 0;
    const check = await checkEntitlement(ctx, { customerId: customer.id, featureKey: 'calls' });
    expect(check).toMatchObject({ allowed: true, used: 4, remaining: 6 });
    // The plans with the period's usage, then the check's row: no sum of its own.
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/usage_aggregates/);
    expect(seen[1]).toMatch(/insert into "entitlement_checks"/i);
    seen.length = 0;
    // A feature counted over another window (here since the start) still reads its own sum.
    const since = await checkEntitlement(ctx, { customerId: customer.id, featureKey: 'tokens' });
    expect(since).toMatchObject({ allowed: true, used: 4, remaining: 6 });
    expect(seen).toHaveLength(3);
  });

  it('reads concurrent checks in one statement, each in its own scope', async () => {
    const scopes = [
      { tenantId: 't', appId: 'a' },
      { tenantId: 't2', appId: 'a' },
    ];
    const customers = [];
    for (const [n, scope] of scopes.entries()) {
      const ctx = testServiceContext(database, scope);
      const plan = await createPlan(ctx, {
        name: 'Batch',
        slug: 'batch',
        currency: 'USD',
        features: [{ key: 'calls', name: 'Calls', type: 'metered', limit: 10 * (n + 1) }],
        pricing: { baseAmount: 0, billingPeriod: 'monthly', tiers: [] },
      });
      const customer = await createCustomer(ctx, {
        name: 'B',
        email: `b${n}@batch.example`,
        currency: 'USD',
      });
      await createSubscription(ctx, { customerId: customer.id, planId: plan.id });
      await recordUsage(ctx, { customerId: customer.id, featureKey: 'calls', quantity: n + 1 });
      customers.push({ ctx, customer });
    }
    const [first, second] = customers;
    if (!first || !second) throw new Error('seeded two');
    seen.length = 0;
    const checks = await Promise.allSettled([
      ...Array.from({ length: 6 }, () =>
        checkEntitlement(first.ctx, { customerId: first.customer.id, featureKey: 'calls' }),
      ),
      checkEntitlement(second.ctx, { customerId: second.customer.id, featureKey: 'calls' }),
      // The first scope's customer is no customer of the second's, in the same statement.
      checkEntitlement(second.ctx, { customerId: first.customer.id, featureKey: 'calls' }),
    ]);
    const reads = seen.filter((text) => /usage_aggregates/.test(text));
    expect(reads).toHaveLength(1);
    for (const check of checks.slice(0, 6))
      expect(check).toMatchObject({ value: { used: 1, limit: 10, remaining: 9 } });
    expect(checks[6]).toMatchObject({ value: { used: 2, limit: 20, remaining: 18 } });
    expect(checks[7]).toMatchObject({
      status: 'rejected',
      reason: { code: 'customer_not_found' },
    });
  });

  it('reads concurrent lookups of customers by id in one statement, each in its own scope', async () => {
    const a = testServiceContext(database, { tenantId: 'ga', appId: 'a' });
    const b = testServiceContext(database, { tenantId: 'gb', appId: 'a' });
    const ofA = await createCustomer(a, { name: 'A', email: 'a@group.example', currency: 'USD' });
    const ofB = await createCustomer(b, { name: 'B', email: 'b@group.example', currency: 'EUR' });
    seen.length = 0;
    const found = await Promise.allSettled([
      getCustomer(a, { id: ofA.id }),
      getCustomer(b, { id: ofB.id }),
      getCustomer(a, { id: ofA.id }),
      // A's customer is no customer of B's, in the same statement.
      getCustomer(b, { id: ofA.id }),
    ]);
    expect(seen.filter((text) => /from ledger_read_keys/i.test(text))).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(found[0]).toMatchObject({ value: { id: ofA.id, name: 'A' } });
    expect(found[1]).toMatchObject({ value: { id: ofB.id, name: 'B', currency: 'EUR' } });
    expect(found[2]).toMatchObject({ value: { id: ofA.id } });
    expect(found[3]).toMatchObject({ status: 'rejected', reason: { code: 'customer_not_found' } });
  });
});
