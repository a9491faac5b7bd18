import { createStore } from '@ledger/db';
import { testDatabaseKinds } from '@ledger/db/testing';
import type { CustomerId } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createPlan,
  DAY,
  firstCount,
  invoicesOf,
  manualClock,
  rowsOf,
  scopeA,
  subscribe,
  type Wire,
} from './support.js';

/**
 * Current usage, entitlement checks and invoices read usage from running totals
 * (`usage_aggregates`), not from the raw events. Over random event streams (customers, features,
 * timestamps across period boundaries, repeated idempotency keys, late events into periods not yet
 * invoiced, subscriptions added mid-stream, events written by hand-written SQL) every window's
 * total must equal the raw events' sum exactly, and every invoice's usage line too.
 */

/** A small seeded generator (mulberry32), so a failure names the seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FEATURES = ['api_calls', 'tokens', 'storage'] as const;
const MINUTE = 60_000;
const SEED = 1_300_013;

describe.each(testDatabaseKinds())('usage totals over random streams on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-01-31T13:47:12.345Z');
  let plan: Wire;
  let addon: Wire;

  const sql = async (text: string) => rowsOf(await t.server.ledger.database.db.execute(text));
  const checkedId = (id: string) => {
    expect(id).toMatch(/^cus_[0-9a-z]{26}$/);
    return id;
  };
  async function rawSum(customerId: string, feature: string, from: Date, to: Date) {
    const bound = (d: Date) => (d.getUTCFullYear() > 9999 ? 'infinity' : d.toISOString());
    return firstCount(
      await t.server.ledger.database.db.execute(
        `select coalesce(sum(quantity), 0) from usage_events where customer_id = '${checkedId(customerId)}'
         and feature_key = '${feature}' and "timestamp" >= '${bound(from)}' and "timestamp" < '${bound(to)}'`,
      ),
    );
  }
  /**
   * The latest current period start of the customer's subscriptions: usage of any feature from it
   * on is accepted (before a granting subscription's period it is refused).
   */
  async function openSince(customerId: string): Promise<number> {
    const [row] = await sql(
      `select max(current_period_start) as since from subscriptions where customer_id = '${checkedId(customerId)}'`,
    );
    return new Date(String(row?.since)).getTime();
  }

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
    const tier = (feature: string) => ({
      feature_key: feature,
      type: 'volume',
      up_to: -1,
      unit_amount: 1,
    });
    plan = await createPlan(t, {
      slug: 'stream',
      features: [
        { key: 'api_calls', name: 'API calls', type: 'metered', limit: -1, period: 'monthly' },
        { key: 'tokens', name: 'Tokens', type: 'metered', limit: -1, period: 'yearly' },
        { key: 'storage', name: 'Storage', type: 'metered', limit: -1, period: 'none' },
      ],
      pricing: {
        base_amount: 100,
        billing_period: 'monthly',
        tiers: FEATURES.map(tier),
      },
    });
    addon = await createPlan(t, {
      slug: 'stream-addon',
      features: [
        { key: 'api_calls', name: 'API calls', type: 'metered', limit: -1, period: 'monthly' },
      ],
      pricing: { base_amount: 0, billing_period: 'monthly', tiers: [tier('api_calls')] },
    });
  });
  afterAll(() => t.close());

  it('every window sums the same from the totals as from the raw events, and so do invoices', async () => {
    const next = random(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const customers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const customer = await createCustomer(t, { email: `stream-${i}@example.com` });
      await subscribe(t, customer.id, plan.id);
      customers.push(customer.id);
      time.advance(Math.floor(next() * 3 * DAY));
    }
    const keys = Array.from({ length: 60 }, (_, i) => `stream-key-${i}`);
    let stored = 0;
    let duplicates = 0;
    for (let step = 0; step < 40; step++) {
      time.advance(Math.floor(next() * 2 * DAY));
      if (next() < 0.4) await t.server.ledger.billing.runDue();
      if (step === 12) await subscribe(t, customers[1] ?? '', addon.id);
      const since = new Map<string, number>();
      for (const id of customers) since.set(id, await openSince(id));
      const events = Array.from({ length: 1 + Math.floor(next() * 60) }, () => {
        const customer = pick(customers);
        const oldest = Math.max(since.get(customer) ?? 0, time.now.getTime() - 35 * DAY + MINUTE);
        const latest = time.now.getTime() + 4 * MINUTE;
        const at = oldest + Math.floor(next() * (latest - oldest));
        return {
          customer_id: customer,
          feature_key: pick(FEATURES),
          quantity: Math.floor(next() * 1000),
          timestamp: new Date(at).toISOString(),
          ...(next() < 0.5 ? { idempotency_key: pick(keys) } : {}),
        };
      });
      const res = await t.rest<{ accepted: number; duplicates: number }>(
        'POST',
        '/ledger/meter/events/batch',
        { body: { events } },
      );
      expect(res.status, res.text).toBe(202);
      expect(res.body.accepted + res.body.duplicates).toBe(events.length);
      stored += res.body.accepted;
      duplicates += res.body.duplicates;
      if (step % 5 === 0) {
        // A writer that knows nothing of the totals (a hand-written insert, an older process).
        const customer = checkedId(pick(customers));
        await t.server.ledger.database.db.execute(
          `insert into usage_events (tenant_id, app_id, id, customer_id, feature_key, quantity, "timestamp", created_at)
           values ('${scopeA.tenantId}', '${scopeA.appId}', 'use_raw${step}', '${customer}', 'api_calls', 7,
             '${time.now.toISOString()}', '${time.now.toISOString()}')`,
        );
        stored++;
      }
    }
    expect(duplicates).toBeGreaterThan(0);
    expect(
      firstCount(await t.server.ledger.database.db.execute('select count(*) from usage_events')),
    ).toBe(stored);

    const store = createStore(t.server.ledger.database.db);
    const first = new Date('2026-01-25T00:00:00.000Z').getTime();
    const span = time.now.getTime() + DAY - first;
    const boundaries = (
      await sql(
        'select current_period_start as a, current_period_end as b, created_at as c from subscriptions',
      )
    ).flatMap((row) => [row.a, row.b, row.c].map((value) => new Date(String(value))));
    for (const customer of customers) {
      for (const feature of FEATURES) {
        const windows: Array<[Date, Date]> = [[new Date(first), new Date(8.64e15)]];
        for (let i = 0; i < 25; i++) {
          const from = first + Math.floor(next() * span);
          windows.push([new Date(from), new Date(from + Math.floor(next() * 40 * DAY))]);
        }
        for (const a of boundaries) {
          windows.push([a, pick(boundaries)], [a, new Date(a.getTime() + 1)]);
        }
        for (const [from, to] of windows) {
          const totals = await store.sumUsage(scopeA, customer as CustomerId, feature, from, to);
          expect(
            totals,
            `${feature} ${from.toISOString()}..${to.toISOString()} (seed ${SEED})`,
          ).toBe(await rawSum(customer, feature, from, to));
        }
      }
    }

    // An entitlement check's one read: each subscription's current period, counted in the same
    // statement as the plans, and the check's answer built on it.
    let periods = 0;
    let counted = 0;
    for (const customer of customers) {
      for (const feature of FEATURES) {
        const found = await store.getCustomerPlans(scopeA, customer as CustomerId, {
          periodUsageOf: feature,
        });
        for (const { subscription, periodUsage } of found?.subscriptions ?? []) {
          periods++;
          if ((periodUsage ?? 0) > 0) counted++;
          expect(periodUsage, `${feature} of ${subscription.id} (seed ${SEED})`).toBe(
            await rawSum(
              customer,
              feature,
              subscription.currentPeriodStart,
              subscription.currentPeriodEnd,
            ),
          );
        }
      }
      const held = await store.getCustomerPlans(scopeA, customer as CustomerId);
      const first = held?.subscriptions[0];
      if (!first) throw new Error(`${customer} has no subscription`);
      const check = await t.rest<{ used: number }>('POST', '/ledger/entitlements/check', {
        body: { customer_id: customer, feature_key: 'api_calls' },
      });
      expect(check.status, check.text).toBe(200);
      expect(check.body.used).toBe(
        await rawSum(
          customer,
          'api_calls',
          first.subscription.currentPeriodStart,
          first.subscription.currentPeriodEnd,
        ),
      );
    }
    expect(periods).toBeGreaterThan(customers.length * FEATURES.length);
    expect(counted).toBeGreaterThan(customers.length);

    // Close every period the stream reached, then each usage line bills exactly its raw events.
    time.advance(32 * DAY);
    await t.server.ledger.billing.runDue();
    let lines = 0;
    for (const customer of customers) {
      for (const invoice of await invoicesOf(t, customer)) {
        for (const line of invoice.line_items.filter((l) => l.kind === 'usage')) {
          lines++;
          const start = new Date(line.period_start ?? '');
          const end = new Date(line.period_end ?? '');
          expect(line.quantity).toBe(await rawSum(customer, line.feature_key ?? '', start, end));
        }
      }
    }
    expect(lines).toBeGreaterThan(5);
  });
});
