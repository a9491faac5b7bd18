import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createPlan,
  DAY,
  expectError,
  firstCount,
  manualClock,
  monthlyPlan,
  subscribe,
  type Wire,
} from './support.js';

const MINUTE = 60_000;

interface Ingested {
  id: string;
  duplicate: boolean;
}
interface Usage {
  customer_id: string;
  period_start: string | null;
  period_end: string | null;
  usage: Record<string, { used: number; limit: number; remaining: number; soft_limit: boolean }>;
}
interface Check {
  allowed: boolean;
  feature: string;
  used: number;
  limit: number;
  remaining: number;
  soft_limit: boolean;
  reason?: string;
}

const planFeatures = [
  { key: 'api_calls', name: 'API calls', type: 'metered', limit: 1000, period: 'monthly' },
  {
    key: 'emails',
    name: 'Emails',
    type: 'metered',
    limit: 100,
    period: 'monthly',
    soft_limit: true,
  },
  { key: 'storage', name: 'Storage', type: 'metered', limit: -1, period: 'monthly' },
  { key: 'seats', name: 'Seats', type: 'seat', limit: 5, period: 'none' },
  { key: 'sso', name: 'SSO', type: 'boolean' },
];

async function countChecks(t: TestLedger, customerId: string): Promise<number> {
  // The server package does not depend on drizzle-orm: a plain SQL string, with a checked id.
  expect(customerId).toMatch(/^cus_[0-9a-z]{26}$/);
  const result = await t.server.ledger.database.db.execute(
    `select count(*) as n from entitlement_checks where customer_id = '${customerId}'`,
  );
  return firstCount(result);
}

describe.each(testDatabaseKinds())('usage and entitlements over REST on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-03-01T00:00:00.000Z');
  let plan: Wire;
  let email = 0;

  /** A customer subscribed to the plan at the current time. */
  async function subscribed(): Promise<{ customer: Wire; subscriptionId: string }> {
    const customer = await createCustomer(t, { email: `usage-${++email}@example.com` });
    const sub = await subscribe(t, customer.id, plan.id);
    return { customer, subscriptionId: sub.id };
  }
  const ingest = (body: Record<string, unknown>) =>
    t.rest<Ingested>('POST', '/ledger/meter/events', { body });
  const batch = (events: unknown[]) =>
    t.rest<{ accepted: number; duplicates: number }>('POST', '/ledger/meter/events/batch', {
      body: { events },
    });
  const usageOf = async (customerId: string) =>
    (await t.rest<Usage>('GET', `/ledger/customers/${customerId}/usage`)).body;
  const check = (body: Record<string, unknown>) =>
    t.rest<Check>('POST', '/ledger/entitlements/check', { body });

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
    plan = await monthlyPlan(t, 'metered', 1000, { features: planFeatures });
  });
  afterAll(() => t.close());

  it('ingests one event (202 {id, duplicate}); a repeated idempotency key is stored once', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer } = await subscribed();
    time.set('2026-03-02T00:00:00.000Z');

    const first = await ingest({
      customer_id: customer.id,
      feature_key: 'api_calls',
      quantity: 10,
      idempotency_key: 'req-1',
    });
    expect(first.status, first.text).toBe(202);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^use_[0-9a-z]{26}$/),
      duplicate: false,
    });

    const again = await ingest({
      customer_id: customer.id,
      feature_key: 'api_calls',
      quantity: 10,
      idempotency_key: 'req-1',
    });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: first.body.id, duplicate: true });

    // Without a key every report counts; quantity 0 is a valid report.
    for (const quantity of [5, 5, 0]) {
      const res = await ingest({ customer_id: customer.id, feature_key: 'api_calls', quantity });
      expect(res.body.duplicate).toBe(false);
    }
    // The same key in a batch later is still the same stored event.
    const replay = await batch([
      {
        customer_id: customer.id,
        feature_key: 'api_calls',
        quantity: 10,
        idempotency_key: 'req-1',
      },
    ]);
    expect(replay.body).toEqual({ accepted: 0, duplicates: 1 });
    expect((await usageOf(customer.id)).usage.api_calls?.used).toBe(20);

    // Keys are per scope: tenant B's "req-1" is its own.
    const foreign = await createCustomer(t, { email: 'usage-b@example.com' }, t.keyB);
    const foreignPlan = await createPlan(t, { slug: 'metered', features: planFeatures }, t.keyB);
    await subscribe(t, foreign.id, foreignPlan.id, {}, t.keyB);
    const other = await t.rest<Ingested>('POST', '/ledger/meter/events', {
      key: t.keyB,
      body: {
        customer_id: foreign.id,
        feature_key: 'api_calls',
        quantity: 1,
        idempotency_key: 'req-1',
      },
    });
    expect(other.body.duplicate).toBe(false);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('refuses features the customer’s plan does not meter, and bad input, naming the parameter', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer } = await subscribed();
    const event = { customer_id: customer.id, feature_key: 'api_calls', quantity: 1 };
    expectError(
      await ingest({ ...event, feature_key: 'ghost' }),
      400,
      'feature_not_found',
      'feature_key',
    );
    expectError(
      await ingest({ ...event, feature_key: 'sso' }),
      400,
      'feature_not_found',
      'feature_key',
    );
    expectError(await ingest({ ...event, quantity: -1 }), 400, 'invalid_input', 'quantity');
    expectError(await ingest({ ...event, quantity: 1.5 }), 400, 'invalid_input', 'quantity');
    expectError(
      await ingest({ ...event, feature_key: 'Bad Key' }),
      400,
      'invalid_input',
      'feature_key',
    );
    expectError(
      await ingest({ ...event, idempotency_key: '' }),
      400,
      'invalid_input',
      'idempotency_key',
    );
    expectError(
      await ingest({ ...event, customer_id: 'cus_01jdzzzzzzzzzzzzzzzzzzzzzz' }),
      404,
      'customer_not_found',
      'customer_id',
    );
    const lonely = await createCustomer(t, { email: 'nosub@example.com' });
    expectError(
      await ingest({ ...event, customer_id: lonely.id }),
      400,
      'feature_not_found',
      'feature_key',
    );
    expect((await usageOf(customer.id)).usage.api_calls?.used).toBe(0);
  });

  it('refuses timestamps more than 35 days old or more than 5 minutes ahead', async () => {
    time.set('2026-01-01T00:00:00.000Z');
    const { customer } = await subscribed();
    time.set('2026-03-20T00:00:00.000Z');
    const now = time.now.getTime();
    const at = (ms: number) => ({
      customer_id: customer.id,
      feature_key: 'storage',
      quantity: 1,
      timestamp: new Date(ms).toISOString(),
    });
    expectError(await ingest(at(now - 35 * DAY - 1000)), 400, 'invalid_input', 'timestamp');
    expectError(await ingest(at(now + 5 * MINUTE + 1000)), 400, 'invalid_input', 'timestamp');
    expectError(
      await ingest({ ...at(now), timestamp: 'yesterday' }),
      400,
      'invalid_input',
      'timestamp',
    );
    expect((await ingest(at(now - 35 * DAY + 1000))).status).toBe(202);
    expect((await ingest(at(now + 4 * MINUTE))).status).toBe(202);
    expectError(
      await batch([at(now), at(now - 40 * DAY)]),
      400,
      'invalid_input',
      'events[1].timestamp',
    );
  });

  it('ingests batches all or none: 1–1000 events, one bad event names events[i] and stores nothing', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer } = await subscribed();
    const { customer: second } = await subscribed();
    time.set('2026-03-02T00:00:00.000Z');
    const event = (i: number, extra: Record<string, unknown> = {}) => ({
      customer_id: i % 2 ? second.id : customer.id,
      feature_key: 'api_calls',
      quantity: 1,
      idempotency_key: `batch-${i}`,
      ...extra,
    });

    const ok = await batch(Array.from({ length: 1000 }, (_, i) => event(i)));
    expect(ok.status, ok.text).toBe(202);
    expect(ok.body).toEqual({ accepted: 1000, duplicates: 0 });
    expect((await usageOf(customer.id)).usage.api_calls?.used).toBe(500);
    expect((await usageOf(second.id)).usage.api_calls?.used).toBe(500);

    // Keys repeated across and within a batch are duplicates.
    const mixed = await batch([event(0), event(1), event(2000), event(2000), event(2001)]);
    expect(mixed.body).toEqual({ accepted: 2, duplicates: 3 });
    expect((await usageOf(customer.id)).usage.api_calls?.used).toBe(501);
    expect((await usageOf(second.id)).usage.api_calls?.used).toBe(501);

    expectError(
      await batch(Array.from({ length: 1001 }, (_, i) => event(5000 + i))),
      400,
      'invalid_input',
      'events',
    );
    expectError(await batch([]), 400, 'invalid_input', 'events');
    expectError(
      await t.rest('POST', '/ledger/meter/events/batch', { body: {} }),
      400,
      'invalid_input',
      'events',
    );

    const before = (await usageOf(customer.id)).usage.api_calls?.used;
    const bad = [
      [[event(10_000), event(10_001), event(10_002, { quantity: -3 })], 'events[2].quantity'],
      [[event(10_000), event(10_001, { feature_key: 'sso' })], 'events[1].feature_key'],
      [[event(10_000), event(10_001, { feature_key: 'ghost' })], 'events[1].feature_key'],
      [
        [event(10_000), event(10_001, { customer_id: 'cus_01jdzzzzzzzzzzzzzzzzzzzzzz' })],
        'events[1].customer_id',
      ],
      [[event(10_000), event(10_001, { extra: true })], 'events[1].extra'],
    ] as const;
    for (const [events, param] of bad) {
      const res = await batch([...events]);
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expect((res.body as unknown as { error: { param: string } }).error.param).toBe(param);
    }
    // Nothing of the refused batches was stored: their keys are still fresh.
    expect((await usageOf(customer.id)).usage.api_calls?.used).toBe(before);
    const fresh = await batch([event(10_000), event(10_001)]);
    expect(fresh.body).toEqual({ accepted: 2, duplicates: 0 });
  });

  it('reports current-period usage per metered and seat feature; seats are a gauge', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer, subscriptionId } = await subscribed();
    time.set('2026-03-05T00:00:00.000Z');
    const at = (offset: number) => new Date(time.now.getTime() + offset).toISOString();
    const report = (feature_key: string, quantity: number, timestamp = at(0)) =>
      ingest({ customer_id: customer.id, feature_key, quantity, timestamp });

    await report('api_calls', 300);
    await report('api_calls', 450);
    await report('emails', 120);
    await report('storage', 7_000_000);
    // Seats: the latest count by timestamp wins, even when an older one arrives last.
    await report('seats', 3, at(-3 * MINUTE));
    await report('seats', 4, at(-1 * MINUTE));
    await report('seats', 2, at(-2 * MINUTE));

    const usage = await t.rest<Usage>('GET', `/ledger/customers/${customer.id}/usage`);
    expect(usage.status).toBe(200);
    expect(usage.body).toEqual({
      customer_id: customer.id,
      period_start: '2026-03-01T00:00:00.000Z',
      period_end: '2026-04-01T00:00:00.000Z',
      usage: {
        api_calls: { used: 750, limit: 1000, remaining: 250, soft_limit: false },
        emails: { used: 120, limit: 100, remaining: 0, soft_limit: true },
        storage: { used: 7_000_000, limit: -1, remaining: -1, soft_limit: false },
        seats: { used: 4, limit: 5, remaining: 1, soft_limit: false },
      },
    });

    const trpc = await t.client().customer.usage.query({ customerId: customer.id });
    expect(trpc.usage.api_calls).toEqual({
      used: 750,
      limit: 1000,
      remaining: 250,
      softLimit: false,
    });

    // A new period starts from zero for metered features; the seat gauge carries over.
    time.set('2026-04-01T00:00:01.000Z');
    await t.server.ledger.billing.runDue();
    const next = await usageOf(customer.id);
    expect(next).toMatchObject({
      period_start: '2026-04-01T00:00:00.000Z',
      usage: {
        api_calls: { used: 0, remaining: 1000 },
        seats: { used: 4 },
      },
    });

    // No live subscription: no usage, no period.
    await t.rest('POST', `/ledger/subscriptions/${subscriptionId}/cancel`, {
      body: { immediately: true },
    });
    expect(await usageOf(customer.id)).toEqual({
      customer_id: customer.id,
      period_start: null,
      period_end: null,
      usage: {},
    });
    expectError(
      await t.rest('GET', '/ledger/customers/cus_01jdzzzzzzzzzzzzzzzzzzzzzz/usage'),
      404,
      'customer_not_found',
    );
  });

  it('counts a feature over its own period: a yearly allowance on a monthly plan, a monthly one on a yearly plan', async () => {
    time.set('2026-01-15T00:00:00.000Z');
    const mixed = await createPlan(t, {
      slug: `mixed-${email}`,
      features: [
        { key: 'exports', name: 'Exports', type: 'metered', limit: 10, period: 'yearly' },
        { key: 'calls', name: 'Calls', type: 'metered', limit: 100, period: 'monthly' },
      ],
      pricing: { base_amount: 100, billing_period: 'monthly' },
    });
    const annual = await createPlan(t, {
      slug: `annual-${email}`,
      features: [{ key: 'reports', name: 'Reports', type: 'metered', limit: 3, period: 'monthly' }],
      pricing: { base_amount: 1200, billing_period: 'yearly' },
    });
    const c = await createCustomer(t, { email: `mixed-${++email}@example.com` });
    await subscribe(t, c.id, mixed.id);
    await subscribe(t, c.id, annual.id);
    const use = (feature_key: string, quantity: number) =>
      ingest({ customer_id: c.id, feature_key, quantity });
    await use('exports', 6);
    await use('calls', 60);
    await use('reports', 3);

    // A month later the monthly plan has a new period: calls and reports start again, exports do not.
    time.set('2026-02-20T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    await use('exports', 2);
    await use('reports', 1);
    const usage = await usageOf(c.id);
    expect(usage.usage).toMatchObject({
      exports: { used: 8, limit: 10, remaining: 2 },
      calls: { used: 0, limit: 100, remaining: 100 },
      reports: { used: 1, limit: 3, remaining: 2 },
    });
    expect(await check({ customer_id: c.id, feature_key: 'exports', quantity: 3 })).toMatchObject({
      body: { allowed: false, used: 8, reason: 'limit_exceeded' },
    });
    // The next year of the subscription starts on its anniversary.
    time.set('2027-01-15T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    expect((await usageOf(c.id)).usage.exports).toMatchObject({ used: 0, remaining: 10 });
  });

  it('checks entitlements against limits, soft limits and unlimited, and records every check', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer, subscriptionId } = await subscribed();
    time.set('2026-03-03T00:00:00.000Z');
    const id = customer.id;
    await ingest({ customer_id: id, feature_key: 'api_calls', quantity: 990 });
    await ingest({ customer_id: id, feature_key: 'emails', quantity: 100 });
    await ingest({ customer_id: id, feature_key: 'seats', quantity: 5 });
    let checks = 0;
    const ask = async (feature_key: string, quantity?: number) => {
      const res = await check({
        customer_id: id,
        feature_key,
        ...(quantity === undefined ? {} : { quantity }),
      });
      expect(res.status, res.text).toBe(200);
      checks++;
      return res.body;
    };

    expect(await ask('sso')).toEqual({
      allowed: true,
      feature: 'sso',
      used: 0,
      limit: -1,
      remaining: -1,
      soft_limit: false,
    });
    expect(await ask('api_calls', 10)).toEqual({
      allowed: true,
      feature: 'api_calls',
      used: 990,
      limit: 1000,
      remaining: 10,
      soft_limit: false,
    });
    expect(await ask('api_calls', 11)).toEqual({
      allowed: false,
      feature: 'api_calls',
      used: 990,
      limit: 1000,
      remaining: 10,
      soft_limit: false,
      reason: 'limit_exceeded',
    });
    expect(await ask('emails')).toEqual({
      allowed: true,
      feature: 'emails',
      used: 100,
      limit: 100,
      remaining: 0,
      soft_limit: true,
      reason: 'soft_limit_exceeded',
    });
    expect(await ask('storage', 999_999_999)).toMatchObject({
      allowed: true,
      limit: -1,
      remaining: -1,
    });
    expect(await ask('seats')).toMatchObject({
      allowed: false,
      used: 5,
      limit: 5,
      reason: 'limit_exceeded',
    });
    expect(await ask('ghost')).toMatchObject({ allowed: false, reason: 'feature_not_in_plan' });

    // Paused subscriptions grant nothing.
    await t.rest('POST', `/ledger/subscriptions/${subscriptionId}/pause`, { body: {} });
    expect(await ask('sso')).toMatchObject({ allowed: false, reason: 'no_active_subscription' });
    const lonely = await createCustomer(t, { email: 'lonely@example.com' });
    const none = await check({ customer_id: lonely.id, feature_key: 'sso' });
    expect(none.body).toMatchObject({ allowed: false, reason: 'no_active_subscription' });

    // Bad input is refused and not recorded.
    expectError(
      await check({ customer_id: id, feature_key: 'sso', quantity: 0 }),
      400,
      'invalid_input',
      'quantity',
    );
    expectError(
      await check({ customer_id: 'cus_01jdzzzzzzzzzzzzzzzzzzzzzz', feature_key: 'sso' }),
      404,
      'customer_not_found',
      'customer_id',
    );

    expect(await countChecks(t, id)).toBe(checks);
    expect(await countChecks(t, lonely.id)).toBe(1);
  });
});

// PGlite runs one transaction at a time, so races can only happen on PostgreSQL.
describe.runIf(testDatabaseKinds().includes('postgres'))(
  'concurrent usage ingest on postgres',
  () => {
    let t: TestLedger;
    let customer: Wire;
    let plan: Wire;

    beforeAll(async () => {
      t = await startTestLedger('postgres');
      plan = await createPlan(t, {
        slug: 'race',
        features: [{ key: 'calls', name: 'Calls', type: 'metered' }],
      });
      customer = await createCustomer(t, { email: 'race@example.com' });
      await subscribe(t, customer.id, plan.id);
    });
    afterAll(() => t.close());

    const used = async (customerId = customer.id) =>
      (await t.rest<Usage>('GET', `/ledger/customers/${customerId}/usage`)).body.usage.calls?.used;

    it('200 parallel reports over 50 idempotency keys store each key once', async () => {
      // Key k always carries quantity k + 1, so the sum tells how many times each key was stored.
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          t.rest<Ingested>('POST', '/ledger/meter/events', {
            body: {
              customer_id: customer.id,
              feature_key: 'calls',
              quantity: (i % 50) + 1,
              idempotency_key: `race-${i % 50}`,
            },
          }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(200).fill(202));
      expect(responses.filter((r) => !r.body.duplicate)).toHaveLength(50);
      const idsByKey = new Map<number, Set<string>>();
      responses.forEach((r, i) => {
        const ids = idsByKey.get(i % 50) ?? new Set<string>();
        ids.add(r.body.id);
        idsByKey.set(i % 50, ids);
      });
      expect([...idsByKey.values()].every((ids) => ids.size === 1)).toBe(true);
      expect(await used()).toBe((50 * 51) / 2);
    });

    it('parallel batches over two customers, keys and customers in opposite orders, store each key once', async () => {
      // Usage ingest locks the customer, so only batches that name several customers, or the same
      // keys for different customers, can meet in opposite orders: they must neither deadlock nor
      // store a key twice.
      const second = await createCustomer(t, { email: 'race-2@example.com' });
      await subscribe(t, second.id, plan.id);
      const keys = Array.from({ length: 300 }, (_, i) => i);
      const before = ((await used()) ?? 0) + ((await used(second.id)) ?? 0);
      const event = (customerId: string, k: number) => ({
        customer_id: customerId,
        feature_key: 'calls',
        quantity: 1000 + k,
        idempotency_key: `batch-race-${k}`,
      });
      const shapes = [
        keys.map((k) => event(customer.id, k)),
        [...keys].reverse().map((k) => event(second.id, k)),
        keys.map((k) => event(k % 2 ? second.id : customer.id, k)),
        [...keys].reverse().map((k) => event(k % 2 ? customer.id : second.id, k)),
      ];
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          t.rest<{ accepted: number; duplicates: number }>('POST', '/ledger/meter/events/batch', {
            body: { events: shapes[i % shapes.length] },
          }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(12).fill(202));
      expect(responses.reduce((n, r) => n + r.body.accepted, 0)).toBe(keys.length);
      expect(responses.reduce((n, r) => n + r.body.duplicates, 0)).toBe(11 * keys.length);
      const after = ((await used()) ?? 0) + ((await used(second.id)) ?? 0);
      expect(after - before).toBe(keys.reduce((s, k) => s + 1000 + k, 0));
    });
  },
);
