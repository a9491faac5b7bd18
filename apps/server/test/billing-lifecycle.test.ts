import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createPlan,
  DAY,
  invoicesOf,
  manualClock,
  subscribe,
  type Wire,
  type WireInvoice,
  type WireSubscription,
} from './support.js';

describe.each(testDatabaseKinds())('a month of a customer’s life on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-01-10T12:00:00.000Z');

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
  });
  afterAll(() => t.close());

  it('trials, meters usage across tiers, bills periods with credit applied and gap-free numbers', async () => {
    const customer = await createCustomer(t, {
      name: 'Month Customer',
      email: 'month@example.com',
      billing_address: { line1: '1 Market St', state: 'CA', postal_code: '95814', country: 'US' },
    });
    await t.rest('POST', `/ledger/customers/${customer.id}/credit`, {
      body: { amount: { amount: 1000, currency: 'USD' }, reason: 'welcome' },
    });
    const plan = await createPlan(t, {
      name: 'Pro',
      slug: 'pro',
      trial_days: 14,
      features: [
        {
          key: 'api_calls',
          name: 'API calls',
          type: 'metered',
          limit: 10_000,
          period: 'monthly',
          soft_limit: true,
        },
        { key: 'sso', name: 'SSO', type: 'boolean', limit: -1, period: 'none' },
      ],
      pricing: {
        base_amount: 2000,
        billing_period: 'monthly',
        tiers: [
          { feature_key: 'api_calls', type: 'graduated', up_to: 1000, unit_amount: 0 },
          { feature_key: 'api_calls', type: 'graduated', up_to: 5000, unit_amount: 2 },
          {
            feature_key: 'api_calls',
            type: 'graduated',
            up_to: -1,
            unit_amount: 1,
            flat_amount: 500,
          },
        ],
      },
    });

    const sub = await subscribe(t, customer.id, plan.id);
    expect(sub.status).toBe('trialing');
    expect(sub.current_period_end).toBe(new Date(time.now.getTime() + 14 * DAY).toISOString());

    // The trial ends: no invoice, the first paid period starts at the trial's end.
    const trialEnd = new Date(sub.current_period_end);
    time.set(new Date(trialEnd.getTime() + 1000));
    const afterTrial = await t.server.ledger.billing.runDue();
    expect(afterTrial).toMatchObject({ trialsEnded: 1, periodsBilled: 0 });
    const active = await t.rest<WireSubscription>('GET', `/ledger/subscriptions/${sub.id}`);
    expect(active.body).toMatchObject({
      status: 'active',
      current_period_start: trialEnd.toISOString(),
    });

    // Usage across two tiers: 1000 free, 2000 at 2¢ → 4000.
    for (const [i, quantity] of [1200, 1800].entries()) {
      const res = await t.rest('POST', '/ledger/meter/events', {
        body: {
          customer_id: customer.id,
          feature_key: 'api_calls',
          quantity,
          idempotency_key: `u-${i}`,
        },
      });
      expect(res.status).toBe(202);
    }
    const usage = await t.rest('GET', `/ledger/customers/${customer.id}/usage`);
    expect(usage.body).toMatchObject({
      customer_id: customer.id,
      usage: { api_calls: { used: 3000, limit: 10_000, remaining: 7000, soft_limit: true } },
    });

    // The period closes: invoice = base 2000 + usage 4000, CA tax 7.25 %, credit 1000 applied.
    time.set(new Date(new Date(active.body.current_period_end).getTime() + 1000));
    const billed = await t.server.ledger.billing.runDue();
    expect(billed.periodsBilled).toBe(1);
    const list = await invoicesOf(t, customer.id);
    expect(list).toHaveLength(1);
    const invoice = list[0] as WireInvoice;
    expect(
      invoice.line_items.map((l) => [l.kind, l.feature_key, l.quantity, l.amount.amount]),
    ).toEqual([
      ['base', null, 1, 2000],
      ['usage', 'api_calls', 3000, 4000],
    ]);
    expect(invoice.subtotal.amount).toBe(6000);
    expect(invoice.tax).toMatchObject({
      amount: { amount: 435 },
      rate: '0.0725',
      jurisdiction: 'US-CA',
    });
    expect(invoice.total.amount).toBe(6435);
    expect(invoice.credit_applied.amount).toBe(1000);
    expect(invoice.amount_due.amount).toBe(5435);
    expect(invoice).toMatchObject({
      number: 'INV-000001',
      status: 'open',
      collection_note: 'no_payment_method',
    });
    const sum = invoice.line_items.reduce((s, l) => s + l.amount.amount, 0);
    expect(sum).toBe(invoice.subtotal.amount);
    expect(
      invoice.subtotal.amount + invoice.tax.amount.amount - invoice.credit_applied.amount,
    ).toBe(invoice.amount_due.amount);

    const journal = await t.rest<{
      data: Array<{ type: string; amount: { amount: number }; invoice_id: string | null }>;
    }>('GET', `/ledger/customers/${customer.id}/balance-transactions`);
    expect(journal.body.data[0]).toMatchObject({
      type: 'applied_to_invoice',
      amount: { amount: 1000 },
      invoice_id: invoice.id,
    });
    const after = await t.rest<Wire>('GET', `/ledger/customers/${customer.id}`);
    expect(after.body.balance).toMatchObject({ amount: 0 });

    // Cancel at period end: the next period is billed (base only) and then the subscription ends.
    const cancel = await t.rest<WireSubscription & { cancel_at: string }>(
      'POST',
      `/ledger/subscriptions/${sub.id}/cancel`,
      { body: {} },
    );
    expect(cancel.body.status).toBe('active');
    time.set(new Date(new Date(cancel.body.cancel_at).getTime() + 1000));
    const last = await t.server.ledger.billing.runDue();
    expect(last).toMatchObject({ periodsBilled: 1, canceled: 1 });
    const invoices = await invoicesOf(t, customer.id);
    expect(invoices.map((i) => i.number)).toEqual(['INV-000002', 'INV-000001']);
    expect(invoices[0]?.line_items.map((l) => l.kind)).toEqual(['base']);
    const ended = await t.rest<Wire>('GET', `/ledger/subscriptions/${sub.id}`);
    expect(ended.body).toMatchObject({ status: 'canceled' });
    expect((await t.server.ledger.billing.runDue()).periodsBilled).toBe(0);

    // With no live subscription the customer can now be deleted.
    expect((await t.rest('DELETE', `/ledger/customers/${customer.id}`)).status).toBe(204);
  });
});
