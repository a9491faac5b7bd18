import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createPlan,
  expectError,
  firstCount,
  holdTransaction,
  invoicesOf,
  manualClock,
  monthlyPlan,
  subscribe,
  type Wire,
  type WireInvoice,
} from './support.js';

/**
 * Usage dated in a period that was already invoiced would be billed nowhere, so metered reports
 * before the granting subscription's current period are refused; seat gauges keep the 35-day
 * window. Usage reads the customer without locking its row.
 */

const features = [
  { key: 'api_calls', name: 'API calls', type: 'metered', limit: -1, period: 'monthly' },
  { key: 'seats', name: 'Seats', type: 'seat', limit: 10, period: 'none' },
];

describe.each(testDatabaseKinds())('late usage on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-03-01T00:00:00.000Z');
  let plan: Wire;
  let addon: Wire;
  let email = 0;

  const ingest = (body: Record<string, unknown>) =>
    t.rest<{ id: string; duplicate: boolean }>('POST', '/ledger/meter/events', { body });
  const batch = (events: unknown[]) =>
    t.rest<{ accepted: number; duplicates: number }>('POST', '/ledger/meter/events/batch', {
      body: { events },
    });
  const report = (customerId: string, featureKey: string, timestamp: string, quantity = 1) => ({
    customer_id: customerId,
    feature_key: featureKey,
    quantity,
    timestamp,
  });
  async function storedEvents(customerId: string): Promise<number> {
    expect(customerId).toMatch(/^cus_[0-9a-z]{26}$/);
    return firstCount(
      await t.server.ledger.database.db.execute(
        `select count(*) as n from usage_events where customer_id = '${customerId}'`,
      ),
    );
  }
  const usageQuantity = (invoice: WireInvoice | undefined) =>
    invoice?.line_items.find((line) => line.feature_key === 'api_calls')?.quantity;

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
    plan = await createPlan(t, {
      slug: 'late-metered',
      features,
      pricing: {
        base_amount: 1000,
        billing_period: 'monthly',
        tiers: [{ feature_key: 'api_calls', type: 'volume', up_to: -1, unit_amount: 10 }],
      },
    });
    addon = await monthlyPlan(t, 'late-addon', 0, { features: [features[0]] });
  });
  afterAll(() => t.close());

  it('refuses metered usage dated in an invoiced period, naming timestamp; stores nothing', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const customer = await createCustomer(t, { email: `late-${++email}@example.com` });
    await subscribe(t, customer.id, plan.id);
    time.set('2026-03-20T00:00:00.000Z');
    expect(
      (await ingest(report(customer.id, 'api_calls', '2026-03-10T00:00:00.000Z', 5))).status,
    ).toBe(202);

    // March closes: its invoice bills the 5 calls, the subscription moves to April.
    time.set('2026-04-01T00:00:01.000Z');
    const run = await t.server.ledger.billing.runDue();
    expect(run.periodsBilled).toBeGreaterThanOrEqual(1);
    const [march] = await invoicesOf(t, customer.id);
    expect(march?.period_start).toBe('2026-03-01T00:00:00.000Z');
    expect(usageQuantity(march)).toBe(5);

    time.set('2026-04-02T00:00:00.000Z');
    const late = report(customer.id, 'api_calls', '2026-03-31T23:59:59.999Z', 7);
    const error = expectError(await ingest(late), 400, 'invalid_input', 'timestamp');
    expect(error.message).toMatch(/closed/);
    expect(error.message).toContain('2026-04-01T00:00:00.000Z');
    expectError(
      await batch([report(customer.id, 'api_calls', '2026-04-01T12:00:00.000Z'), late]),
      400,
      'invalid_input',
      'events[1].timestamp',
    );
    expect(await storedEvents(customer.id)).toBe(1);

    // The first instant of the open period is accepted; a seat gauge keeps the 35-day window.
    expect(
      (await ingest(report(customer.id, 'api_calls', '2026-04-01T00:00:00.000Z'))).status,
    ).toBe(202);
    const seat = await ingest(report(customer.id, 'seats', '2026-03-15T00:00:00.000Z', 3));
    expect(seat.status, seat.text).toBe(202);
    expect(await storedEvents(customer.id)).toBe(3);
    // March's invoice is untouched by anything reported after it.
    expect(usageQuantity((await invoicesOf(t, customer.id)).at(-1))).toBe(5);
  });

  it('takes late usage for a period that ended but is not invoiced yet, and bills it', async () => {
    time.set('2026-05-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const customer = await createCustomer(t, { email: `late-${++email}@example.com` });
    await subscribe(t, customer.id, plan.id);
    // The period ended, the billing job has not run yet: the period is still the current one.
    time.set('2026-06-01T03:00:00.000Z');
    const res = await ingest(report(customer.id, 'api_calls', '2026-05-31T23:00:00.000Z', 4));
    expect(res.status, res.text).toBe(202);
    await t.server.ledger.billing.runDue();
    const [may] = await invoicesOf(t, customer.id);
    expect(may?.period_start).toBe('2026-05-01T00:00:00.000Z');
    expect(usageQuantity(may)).toBe(4);
  });

  it('with several subscriptions granting the feature, the earliest current period decides', async () => {
    time.set('2026-07-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const customer = await createCustomer(t, { email: `late-${++email}@example.com` });
    await subscribe(t, customer.id, plan.id);
    time.set('2026-08-01T00:00:01.000Z');
    await t.server.ledger.billing.runDue();
    time.set('2026-08-15T00:00:00.000Z');
    await subscribe(t, customer.id, addon.id);

    time.set('2026-08-20T00:00:00.000Z');
    // Before the add-on's period but inside the plan's (from August 1): accepted.
    const inside = await ingest(report(customer.id, 'api_calls', '2026-08-10T00:00:00.000Z'));
    expect(inside.status, inside.text).toBe(202);
    // Before both: refused.
    expectError(
      await ingest(report(customer.id, 'api_calls', '2026-07-31T00:00:00.000Z')),
      400,
      'invalid_input',
      'timestamp',
    );
    expect(await storedEvents(customer.id)).toBe(1);
  });

  it('refuses usage for a deleted customer with customer_deleted', async () => {
    const customer = await createCustomer(t, { email: `late-${++email}@example.com` });
    expect((await t.rest('DELETE', `/ledger/customers/${customer.id}`)).status).toBe(204);
    const event = report(customer.id, 'api_calls', time.now.toISOString());
    expectError(await ingest(event), 400, 'customer_deleted', 'customer_id');
    expectError(await batch([event]), 400, 'customer_deleted', 'events[0].customer_id');
  });

  // PGlite runs one transaction at a time, so only PostgreSQL can hold a lock beside a request.
  if (kind === 'postgres') {
    it('an event racing the close of its period waits for it, then is refused as late', async () => {
      time.set('2026-10-01T00:00:00.000Z');
      const customer = await createCustomer(t, { email: `late-${++email}@example.com` });
      const sub = await subscribe(t, customer.id, plan.id);
      expect(sub.id).toMatch(/^sub_[0-9a-z]{26}$/);
      time.set('2026-10-31T23:59:59.000Z');
      const event = report(customer.id, 'api_calls', time.now.toISOString());

      // A billing step in flight: it holds the subscription and moves its period on.
      const release = await holdTransaction(
        t,
        `select id from subscriptions where id = '${sub.id}' for update`,
        `update subscriptions set current_period_start = '2026-11-01T00:00:00Z', current_period_end = '2026-12-01T00:00:00Z' where id = '${sub.id}'`,
      );
      const answer = ingest(event);
      // The event waits for the period to close rather than reading the old period start.
      const early = await Promise.race([
        answer.then(() => 'answered'),
        new Promise((r) => setTimeout(() => r('waiting'), 300)),
      ]);
      expect(early).toBe('waiting');
      await release();
      const res = await answer;
      expectError(res, 400, 'invalid_input', 'timestamp');
      expect(await storedEvents(customer.id)).toBe(0);
    });

    it('records usage while another transaction holds the customer row', async () => {
      time.set('2026-09-01T00:00:00.000Z');
      const customer = await createCustomer(t, { email: `late-${++email}@example.com` });
      await subscribe(t, customer.id, plan.id);
      expect(customer.id).toMatch(/^cus_[0-9a-z]{26}$/);
      const event = report(customer.id, 'api_calls', time.now.toISOString());

      const release = await holdTransaction(
        t,
        `select id from customers where id = '${customer.id}' for update`,
      );
      try {
        // A request that waited on the lock would never answer while it is held.
        const blocked = new Promise<'blocked'>((resolve) => {
          setTimeout(() => resolve('blocked'), 10_000).unref();
        });
        const single = await Promise.race([ingest(event).then((r) => r.status), blocked]);
        expect(single).toBe(202);
        const many = await Promise.race([batch([event, event]).then((r) => r.status), blocked]);
        expect(many).toBe(202);
      } finally {
        await release();
      }
      expect(await storedEvents(customer.id)).toBe(3);
    });
  }
});
