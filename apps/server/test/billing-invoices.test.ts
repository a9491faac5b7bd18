import { testDatabaseKinds } from '@ledger/db/testing';
import { builtInTax, type InvoiceId, runDue, type ServiceContext } from '@ledger/domain';
import { finalizeDraft } from '@ledger/domain/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinTestLedger, startTestLedger, type TestLedger } from './harness.js';
import {
  balanceOf,
  createCustomer,
  createInvoice,
  createPlan,
  eventsOf,
  expectError,
  firstCount,
  manualClock,
  monthlyPlan,
  rowsOf,
  scopeA,
  subscribe,
  type Wire,
  type WireInvoice,
  type WireList,
} from './support.js';

const CA = { line1: '1 Market St', state: 'CA', postal_code: '95814', country: 'US' };
const FR = { line1: '1 Rue de Rivoli', city: 'Paris', postal_code: '75001', country: 'FR' };

interface Journal {
  data: Array<{
    type: string;
    amount: { amount: number };
    ending_balance: { amount: number };
    invoice_id: string | null;
  }>;
}

/** Lines = subtotal; total = subtotal + tax; amount due = total − credit applied. */
function expectSumsAddUp(invoice: WireInvoice): void {
  const lines = invoice.line_items.reduce((sum, line) => sum + line.amount.amount, 0);
  expect(lines, `lines of ${invoice.id}`).toBe(invoice.subtotal.amount);
  expect(invoice.total.amount).toBe(invoice.subtotal.amount + invoice.tax.amount.amount);
  expect(invoice.amount_due.amount).toBe(invoice.total.amount - invoice.credit_applied.amount);
  for (const money of [invoice.subtotal, invoice.total, invoice.amount_due, invoice.tax.amount]) {
    expect(money.currency).toBe(invoice.currency);
  }
}

describe.each(testDatabaseKinds())('invoices over REST on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-03-01T00:00:00.000Z');
  let plan: Wire;
  let usdPlan: Wire;
  let email = 0;

  const customer = (body: Record<string, unknown> = {}) =>
    createCustomer(t, { email: `inv-${++email}@example.com`, ...body });
  const finalize = async (id: string) => {
    const res = await t.rest<WireInvoice>('POST', `/ledger/invoices/${id}/finalize`, { body: {} });
    expect(res.status, res.text).toBe(200);
    expectSumsAddUp(res.body);
    return res.body;
  };
  const journalOf = async (customerId: string) =>
    (await t.rest<Journal>('GET', `/ledger/customers/${customerId}/balance-transactions`)).body
      .data;
  /** A customer with an active subscription to the 3000 USD plan. */
  const billable = async (body: Record<string, unknown> = {}) => {
    const c = await customer(body);
    const sub = await subscribe(t, c.id, plan.id);
    return { customer: c, subscriptionId: sub.id };
  };

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
    plan = await createPlan(t, {
      slug: 'invoiced',
      name: 'Invoiced',
      features: [{ key: 'calls', name: 'Calls', type: 'metered' }],
      pricing: {
        base_amount: 3000,
        billing_period: 'monthly',
        tiers: [
          { feature_key: 'calls', type: 'volume', up_to: 100, unit_amount: 5 },
          { feature_key: 'calls', type: 'volume', up_to: -1, unit_amount: 3, flat_amount: 100 },
        ],
      },
    });
    usdPlan = await monthlyPlan(t, 'usd-4999', 4999, { name: 'Global' });
  });
  afterAll(() => t.close());

  it('creates a draft for the current period, then finalizes it with a number (open, no method)', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer: c, subscriptionId } = await billable({ billing_address: CA });
    time.set('2026-03-10T00:00:00.000Z');
    await t.rest('POST', '/ledger/meter/events', {
      body: { customer_id: c.id, feature_key: 'calls', quantity: 150 },
    });

    const draft = await createInvoice(t, subscriptionId);
    expect(draft.id).toMatch(/^inv_[0-9a-z]{26}$/);
    expect(draft).toMatchObject({
      number: null,
      status: 'draft',
      customer_id: c.id,
      subscription_id: subscriptionId,
      currency: 'USD',
      period_start: '2026-03-01T00:00:00.000Z',
      period_end: '2026-04-01T00:00:00.000Z',
      fx: null,
      credit_applied: { amount: 0 },
      amount_paid: { amount: 0 },
      paid_at: null,
    });
    // Base 3000; 150 calls at the volume tier 101+: 150 × 3 + 100 = 550. CA 7.25 % of 3550.
    expect(
      draft.line_items.map((l) => [l.kind, l.feature_key, l.quantity, l.amount.amount]),
    ).toEqual([
      ['base', null, 1, 3000],
      ['usage', 'calls', 150, 550],
    ]);
    expect(draft.subtotal).toEqual({ amount: 3550, currency: 'USD', display: '$35.50' });
    expect(draft.tax).toMatchObject({
      amount: { amount: 257 },
      rate: '0.0725',
      jurisdiction: 'US-CA',
      exempt: false,
      reason: 'taxable',
    });
    expect(draft.amount_due.amount).toBe(3807);
    expectSumsAddUp(draft);

    expectError(
      await t.rest('POST', '/ledger/invoices', { body: { subscription_id: subscriptionId } }),
      400,
      'invalid_state',
      'subscription_id',
    );
    expect((await t.rest<WireInvoice>('GET', `/ledger/invoices/${draft.id}`)).body).toEqual(draft);
    expectError(
      await t.rest('GET', `/ledger/invoices/${draft.id}`, { key: t.keyB }),
      404,
      'invoice_not_found',
    );

    const open = await finalize(draft.id);
    expect(open).toMatchObject({
      status: 'open',
      number: expect.stringMatching(/^INV-\d{6}$/),
      amount_due: { amount: 3807 },
      collection_note: 'no_payment_method',
      due_date: '2026-03-10T00:00:00.000Z',
      paid_at: null,
    });
    expectError(
      await t.rest('POST', `/ledger/invoices/${draft.id}/finalize`, { body: {} }),
      400,
      'invalid_state',
    );
    // Without a processor nothing is charged: no payments at all.
    const payments = await t.rest<WireList<unknown>>('GET', `/ledger/payments?customer_id=${c.id}`);
    expect(payments.status).toBe(200);
    expect(payments.body.data).toEqual([]);
    expect(payments.body.pagination).toMatchObject({ total: 0, has_more: false });
    const all = await t.rest<WireList<unknown>>('GET', '/ledger/payments');
    expect(all.body.data).toEqual([]);
    expectError(
      await t.rest('GET', '/ledger/payments?invoice_id=pay_x'),
      400,
      'invalid_id',
      'invoice_id',
    );
    expectError(await t.rest('GET', '/ledger/payments?limit=0'), 400, 'invalid_input', 'limit');

    // The billing job later finds the period invoiced and does not bill it again.
    time.set('2026-04-01T00:00:01.000Z');
    await t.server.ledger.billing.runDue();
    const list = await t.rest<WireList<WireInvoice>>('GET', `/ledger/customers/${c.id}/invoices`);
    expect(list.body.data.map((i) => i.id)).toEqual([draft.id]);
  });

  it.each([
    // quantity, graduated, volume, flat (hand-computed; see pricing.test.ts for the tiers)
    [0, 0, 25, 0],
    [1, 60, 35, 0],
    [100, 1050, 1025, 1500],
    [101, 1255, 908, 4000],
    [1000, 5750, 8100, 4000],
    [1001, 6752, 5505, 4000],
    [25_000, 54_750, 125_500, 4000],
  ])(
    'prices %i units of usage by graduated, volume and flat tiers as the hand-computed table',
    async (quantity, graduated, volume, flat) => {
      time.set('2026-03-01T00:00:00.000Z');
      const tiered = await createPlan(t, {
        slug: `tiered-${quantity}`,
        name: 'Tiered',
        features: [
          { key: 'g', name: 'Graduated', type: 'metered' },
          { key: 'v', name: 'Volume', type: 'metered' },
          { key: 'f', name: 'Flat', type: 'metered' },
          { key: 'seats', name: 'Seats', type: 'seat' },
        ],
        pricing: {
          base_amount: 0,
          billing_period: 'monthly',
          tiers: [
            { feature_key: 'g', type: 'graduated', up_to: 100, unit_amount: 10, flat_amount: 50 },
            { feature_key: 'g', type: 'graduated', up_to: 1000, unit_amount: 5, flat_amount: 200 },
            { feature_key: 'g', type: 'graduated', up_to: -1, unit_amount: 2, flat_amount: 1000 },
            { feature_key: 'v', type: 'volume', up_to: 100, unit_amount: 10, flat_amount: 25 },
            { feature_key: 'v', type: 'volume', up_to: 1000, unit_amount: 8, flat_amount: 100 },
            { feature_key: 'v', type: 'volume', up_to: -1, unit_amount: 5, flat_amount: 500 },
            { feature_key: 'f', type: 'flat', up_to: 10, flat_amount: 0 },
            { feature_key: 'f', type: 'flat', up_to: 100, flat_amount: 1500 },
            { feature_key: 'f', type: 'flat', up_to: -1, flat_amount: 4000 },
            { feature_key: 'seats', type: 'graduated', up_to: 5, unit_amount: 0 },
            { feature_key: 'seats', type: 'graduated', up_to: -1, unit_amount: 800 },
          ],
        },
      });
      const c = await customer();
      const sub = await subscribe(t, c.id, tiered.id);
      time.set('2026-03-20T00:00:00.000Z');
      // The quantity arrives in two reports (metered features add up); seats: the latest count.
      const first = Math.floor(quantity / 3);
      const events = ['g', 'v', 'f'].flatMap((feature_key) =>
        [first, quantity - first].map((q) => ({ customer_id: c.id, feature_key, quantity: q })),
      );
      events.push(
        { customer_id: c.id, feature_key: 'seats', quantity: 9 },
        { customer_id: c.id, feature_key: 'seats', quantity: 7 },
      );
      for (const [i, event] of events.entries()) {
        const res = await t.rest('POST', '/ledger/meter/events', {
          body: { ...event, timestamp: new Date(time.now.getTime() - 60_000 + i).toISOString() },
        });
        expect(res.status, res.text).toBe(202);
      }
      const draft = await createInvoice(t, sub.id);
      const expected = [
        ['g', quantity, graduated],
        ['v', quantity, volume],
        ['f', quantity, flat],
        ['seats', 7, 2 * 800],
      ].filter(([, q, amount]) => q !== 0 || amount !== 0);
      expect(draft.line_items.map((l) => [l.feature_key, l.quantity, l.amount.amount])).toEqual(
        expected,
      );
      expect(draft.line_items.every((l) => l.kind === 'usage')).toBe(true);
      expect(draft.subtotal.amount).toBe(graduated + volume + flat + 1600);
      expectSumsAddUp(draft);
    },
  );

  it('the billing job replaces a period’s stale hand-made draft, so later usage is billed once', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer: c, subscriptionId } = await billable();
    time.set('2026-03-20T00:00:00.000Z');
    const draft = await createInvoice(t, subscriptionId);
    time.set('2026-03-25T00:00:00.000Z');
    const usage = await t.rest('POST', '/ledger/meter/events', {
      body: { customer_id: c.id, feature_key: 'calls', quantity: 10 },
    });
    expect(usage.status, usage.text).toBe(202);
    time.set('2026-04-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const list = await t.rest<WireList<WireInvoice>>('GET', `/ledger/customers/${c.id}/invoices`);
    const [period, replaced] = list.body.data;
    expect(list.body.data).toHaveLength(2);
    // The draft was made before the usage: it is voided and the period billed from scratch.
    expect(replaced).toMatchObject({ id: draft.id, status: 'void', number: null });
    expect(period?.status).toBe('open');
    expect(period?.number).toMatch(/^INV-/);
    expect(period?.line_items.map((l) => [l.kind, l.quantity, l.amount.amount])).toEqual([
      ['base', 1, 3000],
      ['usage', 10, 50],
    ]);
    expect((await t.server.ledger.billing.runDue()).periodsBilled).toBe(0);
  });

  it('refuses drafts for trialing, canceled, unknown and foreign subscriptions', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const trial = await subscribe(t, c.id, plan.id, { trial_days: 5 });
    expectError(
      await t.rest('POST', '/ledger/invoices', { body: { subscription_id: trial.id } }),
      400,
      'invalid_state',
      'subscription_id',
    );
    await t.rest('POST', `/ledger/subscriptions/${trial.id}/cancel`, {
      body: { immediately: true },
    });
    expectError(
      await t.rest('POST', '/ledger/invoices', { body: { subscription_id: trial.id } }),
      400,
      'invalid_state',
    );
    expectError(
      await t.rest('POST', '/ledger/invoices', {
        body: { subscription_id: 'sub_01jdzzzzzzzzzzzzzzzzzzzzzz' },
      }),
      404,
      'subscription_not_found',
      'subscription_id',
    );
    const { subscriptionId } = await billable();
    expectError(
      await t.rest('POST', '/ledger/invoices', {
        key: t.keyB,
        body: { subscription_id: subscriptionId },
      }),
      404,
      'subscription_not_found',
    );
    expectError(
      await t.rest('POST', '/ledger/invoices', { body: { subscription_id: 'inv_x' } }),
      400,
      'invalid_id',
      'subscription_id',
    );
  });

  it('applies a credit larger than the total: amount due 0, paid, one applied_to_invoice row', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer: c, subscriptionId } = await billable();
    await t.rest('POST', `/ledger/customers/${c.id}/credit`, {
      body: { amount: { amount: 10_000, currency: 'USD' }, reason: 'goodwill' },
    });
    const invoice = await finalize((await createInvoice(t, subscriptionId)).id);
    expect(invoice).toMatchObject({
      status: 'paid',
      total: { amount: 3000 },
      credit_applied: { amount: 3000 },
      amount_due: { amount: 0 },
      paid_at: '2026-03-01T00:00:00.000Z',
      collection_note: null,
    });
    expect(await balanceOf(t, c.id)).toBe(-7000);
    const journal = await journalOf(c.id);
    expect(journal.filter((row) => row.type === 'applied_to_invoice')).toEqual([
      expect.objectContaining({
        amount: expect.objectContaining({ amount: 3000 }),
        ending_balance: expect.objectContaining({ amount: -7000 }),
        invoice_id: invoice.id,
      }),
    ]);

    // A paid invoice cannot be voided.
    expectError(
      await t.rest('POST', `/ledger/invoices/${invoice.id}/void`, { body: {} }),
      400,
      'invalid_state',
    );
  });

  it('adds a debt balance to the amount due', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer: c, subscriptionId } = await billable();
    await t.client().customer.adjustBalance.mutate({
      customerId: c.id,
      amount: { amount: 500, currency: 'USD' },
      description: 'unpaid setup fee',
    });
    expect(await balanceOf(t, c.id)).toBe(500);
    const invoice = await finalize((await createInvoice(t, subscriptionId)).id);
    expect(invoice).toMatchObject({
      status: 'open',
      total: { amount: 3000 },
      credit_applied: { amount: -500 },
      amount_due: { amount: 3500 },
    });
    expect(await balanceOf(t, c.id)).toBe(0);
    const applied = (await journalOf(c.id)).filter((row) => row.type === 'applied_to_invoice');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ amount: { amount: -500 }, invoice_id: invoice.id });
  });

  it('voids an open invoice and gives the applied credit back; a voided draft’s prorations return', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer: c, subscriptionId } = await billable();
    await t.rest('POST', `/ledger/customers/${c.id}/credit`, {
      body: { amount: { amount: 1200, currency: 'USD' }, reason: 'promo' },
    });
    const open = await finalize((await createInvoice(t, subscriptionId)).id);
    expect(open).toMatchObject({
      status: 'open',
      credit_applied: { amount: 1200 },
      amount_due: { amount: 1800 },
    });
    expect(await balanceOf(t, c.id)).toBe(0);

    time.set('2026-03-02T00:00:00.000Z');
    const voided = await t.rest<WireInvoice>('POST', `/ledger/invoices/${open.id}/void`, {
      body: { reason: 'duplicate' },
    });
    expect(voided.status, voided.text).toBe(200);
    expect(voided.body).toMatchObject({
      status: 'void',
      voided_at: '2026-03-02T00:00:00.000Z',
      number: open.number,
    });
    expect(await balanceOf(t, c.id)).toBe(-1200);
    const unapplied = (await journalOf(c.id)).filter((r) => r.type === 'unapplied_from_invoice');
    expect(unapplied).toEqual([
      expect.objectContaining({
        amount: expect.objectContaining({ amount: -1200 }),
        ending_balance: expect.objectContaining({ amount: -1200 }),
        invoice_id: open.id,
      }),
    ]);
    expectError(
      await t.rest('POST', `/ledger/invoices/${open.id}/void`, { body: {} }),
      400,
      'invalid_state',
    );

    // The period may be invoiced again once its invoice is void; proration lines of a voided
    // draft go back to the subscription.
    const premium = await monthlyPlan(t, `inv-premium-${email}`, 6000, { name: 'Premium' });
    time.set('2026-03-16T12:00:00.000Z');
    await t.rest('POST', `/ledger/subscriptions/${subscriptionId}/change-plan`, {
      body: { plan_id: premium.id },
    });
    const draft = await createInvoice(t, subscriptionId);
    const lines = (i: WireInvoice) => i.line_items.map((l) => [l.kind, l.amount.amount]);
    const expected = [
      ['base', 3000],
      ['proration', -1500],
      ['proration', 3000],
    ];
    expect(lines(draft)).toEqual(expected);
    const voidedDraft = await t.rest<WireInvoice>('POST', `/ledger/invoices/${draft.id}/void`, {
      body: {},
    });
    expect(voidedDraft.body.status).toBe('void');
    expect(await balanceOf(t, c.id)).toBe(-1200);
    const again = await createInvoice(t, subscriptionId);
    expect(lines(again)).toEqual(expected);
    const paid = await finalize(again.id);
    expect(paid).toMatchObject({ credit_applied: { amount: 1200 }, amount_due: { amount: 3300 } });
  });

  it('numbers finalized invoices gap-free, also across a rolled-back finalize', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const numberOf = (n: string | null) => Number(n?.slice(4));
    const finalized: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { subscriptionId } = await billable();
      finalized.push(
        numberOf((await finalize((await createInvoice(t, subscriptionId)).id)).number),
      );
    }
    // A finalize whose transaction rolls back after taking its number gives the number back.
    const { subscriptionId } = await billable();
    const draft = await createInvoice(t, subscriptionId);
    const deps = t.server.ledger.deps;
    const ctx: ServiceContext = { ...deps, scope: scopeA };
    await expect(
      deps.store.transaction(async (tx) => {
        const loaded = await tx.getInvoice(scopeA, draft.id as InvoiceId, { forUpdate: true });
        if (!loaded) throw new Error('no draft');
        const inside = await finalizeDraft(tx, ctx, loaded);
        expect(inside.number).toMatch(/^INV-/);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const still = await t.rest<WireInvoice>('GET', `/ledger/invoices/${draft.id}`);
    expect(still.body).toMatchObject({ status: 'draft', number: null });
    finalized.push(numberOf((await finalize(draft.id)).number));
    for (let i = 0; i < 2; i++) {
      const next = await billable();
      finalized.push(
        numberOf((await finalize((await createInvoice(t, next.subscriptionId)).id)).number),
      );
    }
    const first = finalized[0] as number;
    expect(finalized).toEqual(finalized.map((_, i) => first + i));

    // Every number of the scope, from 1, without a gap; another scope counts on its own.
    const rows = await t.server.ledger.database.db.execute(
      "select count(*) as n, count(distinct number) as d, max(number) as m from invoices where tenant_id = 'tenant-a' and number is not null",
    );
    const count = firstCount(rows);
    const row = rowsOf(rows)[0] as { d: unknown; m: string };
    expect(Number(row.d)).toBe(count);
    expect(row.m).toBe(`INV-${String(count).padStart(6, '0')}`);

    const foreignPlan = await createPlan(t, { slug: 'foreign' }, t.keyB);
    const foreign = await createCustomer(t, { email: 'foreign-inv@example.com' }, t.keyB);
    const sub = await subscribe(t, foreign.id, foreignPlan.id, {}, t.keyB);
    const foreignDraft = await createInvoice(t, sub.id, t.keyB);
    const foreignFinal = await t.rest<WireInvoice>(
      'POST',
      `/ledger/invoices/${foreignDraft.id}/finalize`,
      { key: t.keyB, body: {} },
    );
    expect(foreignFinal.body.number).toBe('INV-000001');
  });

  it('converts a plan’s currency to the customer’s at the reference rate: USD 49.99 → EUR 46.99', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer({ currency: 'EUR' });
    const sub = await subscribe(t, c.id, usdPlan.id);
    const draft = await createInvoice(t, sub.id);
    expect(draft.currency).toBe('EUR');
    expect(draft.line_items.map((l) => [l.kind, l.amount.amount, l.amount.currency])).toEqual([
      ['base', 4699, 'EUR'],
    ]);
    expect(draft.subtotal).toMatchObject({ amount: 4699, currency: 'EUR' });
    expect(draft.fx).toMatchObject({ from: 'USD', rate: '0.94' });
    expect(draft.fx?.source).toEqual(expect.any(String));
    expect(draft.fx?.as_of).toEqual(expect.any(String));
    expectSumsAddUp(draft);
    const open = await finalize(draft.id);
    expect(open).toMatchObject({ amount_due: { amount: 4699, currency: 'EUR' } });
  });

  it('taxes by address, not at all for exempt customers; FR with an eu_vat id is taxed by a US seller', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const exempt = await billable({ billing_address: CA, tax_exempt: 'exempt' });
    const exemptDraft = await createInvoice(t, exempt.subscriptionId);
    expect(exemptDraft.tax).toMatchObject({
      amount: { amount: 0 },
      exempt: true,
      reason: 'exempt',
    });
    expect(exemptDraft.total.amount).toBe(3000);

    const reverse = await billable({ billing_address: CA, tax_exempt: 'reverse' });
    expect((await createInvoice(t, reverse.subscriptionId)).tax).toMatchObject({
      amount: { amount: 0 },
      exempt: true,
      reason: 'reverse_charge',
    });

    // The default seller origin is US: an EU VAT id does not make it an intra-EU sale.
    const eu = await billable({
      billing_address: FR,
      tax_ids: [{ type: 'eu_vat', value: 'FR40303265045' }],
    });
    const euDraft = await createInvoice(t, eu.subscriptionId);
    expect(euDraft.tax).toMatchObject({
      amount: { amount: 600 },
      rate: '0.2',
      jurisdiction: 'FR',
      exempt: false,
      reason: 'taxable',
    });
    expectSumsAddUp(euDraft);
  });

  it('lists a customer’s invoices newest first, by status, with offset and cursor pages', async () => {
    time.set('2025-12-01T00:00:00.000Z');
    const { customer: c, subscriptionId } = await billable();
    // Four closed periods: Dec, Jan, Feb, Mar.
    time.set('2026-04-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const draft = await createInvoice(t, subscriptionId);
    const path = `/ledger/customers/${c.id}/invoices`;
    const all = await t.rest<WireList<WireInvoice>>('GET', path);
    expect(all.body.data.map((i) => i.period_start)).toEqual([
      '2026-04-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2025-12-01T00:00:00.000Z',
    ]);
    expect(all.body.data[0]?.id).toBe(draft.id);
    for (const invoice of all.body.data) expectSumsAddUp(invoice);
    const oldest = all.body.data[4] as WireInvoice;
    await t.rest('POST', `/ledger/invoices/${oldest.id}/void`, { body: {} });

    const ids = all.body.data.map((i) => i.id);
    const page1 = await t.rest<WireList<WireInvoice>>('GET', `${path}?limit=2`);
    expect(page1.body.data.map((i) => i.id)).toEqual(ids.slice(0, 2));
    expect(page1.body.pagination).toMatchObject({ total: 5, limit: 2, offset: 0, has_more: true });
    const cursor = page1.body.pagination.next_cursor;
    expect(cursor).toBe(ids[1]);
    const page2 = await t.rest<WireList<WireInvoice>>(
      'GET',
      `${path}?limit=2&starting_after=${cursor}`,
    );
    expect(page2.body.data.map((i) => i.id)).toEqual(ids.slice(2, 4));
    const page3 = await t.rest<WireList<WireInvoice>>('GET', `${path}?limit=2&offset=4`);
    expect(page3.body.data.map((i) => i.id)).toEqual(ids.slice(4));
    expect(page3.body.pagination.has_more).toBe(false);

    const byStatus = async (status: string) =>
      (await t.rest<WireList<WireInvoice>>('GET', `${path}?status=${status}`)).body;
    expect((await byStatus('draft')).data.map((i) => i.id)).toEqual([draft.id]);
    expect((await byStatus('void')).data.map((i) => i.id)).toEqual([oldest.id]);
    const open = await byStatus('open');
    expect(open.data.map((i) => i.id)).toEqual(ids.slice(1, 4));
    expect(open.pagination.total).toBe(3);
    expect((await byStatus('paid')).data).toEqual([]);

    expectError(await t.rest('GET', `${path}?status=late`), 400, 'invalid_input', 'status');
    expectError(await t.rest('GET', `${path}?limit=0`), 400, 'invalid_input', 'limit');
    expectError(
      await t.rest('GET', `${path}?offset=1&starting_after=${cursor}`),
      400,
      'invalid_input',
      'starting_after',
    );
    expectError(await t.rest('GET', path, { key: t.keyB }), 404, 'customer_not_found');

    const trpc = await t.client().customer.invoices.list.query({
      customerId: c.id,
      status: 'open',
      limit: 1,
    });
    expect(trpc.data.map((i) => i.id)).toEqual(ids.slice(1, 2));
    expect(trpc.data[0]?.subtotal).toEqual({ amount: 3000, currency: 'USD' });
  });

  it('records invoice.* events in the outbox in sequence order', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const { customer: c, subscriptionId } = await billable();
    const first = await finalize((await createInvoice(t, subscriptionId)).id);
    await t.rest('POST', `/ledger/invoices/${first.id}/void`, { body: {} });
    await t.rest('POST', `/ledger/customers/${c.id}/credit`, {
      body: { amount: { amount: 5000, currency: 'USD' }, reason: 'sorry' },
    });
    await finalize((await createInvoice(t, subscriptionId)).id);
    const events = await eventsOf(t, c.id);
    expect(events.filter((e) => e.type.startsWith('invoice.')).map((e) => e.type)).toEqual([
      'invoice.created',
      'invoice.finalized',
      'invoice.voided',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
    ]);
    const sequences = events.map((e) => e.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => (sequences[0] as number) + i));
  });
});

describe.each(testDatabaseKinds())('EU reverse charge with a German seller on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind, { tax: builtInTax('DE') });
  });
  afterAll(() => t.close());

  it('charges no VAT to an FR business with an eu_vat id; charges DE VAT at home', async () => {
    const plan = await monthlyPlan(t, 'eu', 10_000, { currency: 'EUR' });
    const draftOf = async (body: Record<string, unknown>) => {
      const c = await createCustomer(t, { currency: 'EUR', ...body });
      const sub = await subscribe(t, c.id, plan.id);
      return createInvoice(t, sub.id);
    };
    const business = await draftOf({
      email: 'fr-business@example.com',
      billing_address: FR,
      tax_ids: [{ type: 'eu_vat', value: 'FR40303265045' }],
    });
    expect(business.tax).toMatchObject({
      amount: { amount: 0 },
      exempt: true,
      reason: 'reverse_charge',
    });
    expect(business.amount_due.amount).toBe(10_000);

    const consumer = await draftOf({ email: 'fr-consumer@example.com', billing_address: FR });
    expect(consumer.tax).toMatchObject({
      amount: { amount: 2000 },
      rate: '0.2',
      reason: 'taxable',
    });

    const domestic = await draftOf({
      email: 'de-business@example.com',
      billing_address: { line1: 'Unter den Linden 1', postal_code: '10117', country: 'DE' },
      tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }],
    });
    expect(domestic.tax).toMatchObject({
      amount: { amount: 1900 },
      rate: '0.19',
      jurisdiction: 'DE',
      reason: 'taxable',
    });
  });
});

// PGlite runs one transaction at a time, so races can only happen on PostgreSQL.
describe.runIf(testDatabaseKinds().includes('postgres'))(
  'parallel billing runs on postgres',
  () => {
    let t: TestLedger;
    let second: TestLedger;
    const time = manualClock('2026-01-01T00:00:00.000Z');
    const subscriptions: string[] = [];

    beforeAll(async () => {
      t = await startTestLedger('postgres', { clock: time.clock });
      // A second server process over the same database, with its own connection pool.
      second = await joinTestLedger(t, { clock: time.clock });

      const plan = await createPlan(t, {
        slug: 'race',
        features: [{ key: 'calls', name: 'Calls', type: 'metered' }],
        pricing: {
          base_amount: 1000,
          billing_period: 'monthly',
          tiers: [{ feature_key: 'calls', type: 'graduated', up_to: -1, unit_amount: 2 }],
        },
      });
      // 20 customers; every other one has a second subscription, so workers meet on customers.
      for (let i = 0; i < 20; i++) {
        const c = await createCustomer(t, { email: `due-${i}@example.com` });
        subscriptions.push((await subscribe(t, c.id, plan.id)).id);
        if (i % 2 === 0) subscriptions.push((await subscribe(t, c.id, plan.id)).id);
        if (i % 3 === 0) {
          await t.rest('POST', `/ledger/customers/${c.id}/credit`, {
            body: { amount: { amount: 1500, currency: 'USD' }, reason: 'race credit' },
          });
        }
      }
    });
    afterAll(async () => {
      await second?.close();
      await t.close();
    });

    it('several workers over two servers bill each of 3 missed periods of 30 subscriptions exactly once', async () => {
      time.set('2026-04-01T00:00:00.000Z');
      const now = time.now;
      const deps = t.server.ledger.deps;
      const reports = await Promise.all([
        t.server.ledger.billing.runDue(),
        t.server.ledger.billing.runDue(),
        second.server.ledger.billing.runDue(now),
        runDue(deps, now, { batchSize: 4 }),
        runDue(second.server.ledger.deps, now, { batchSize: 3 }),
        runDue(deps, now, { batchSize: 1 }),
      ]);
      const billed = reports.reduce((n, r) => n + r.periodsBilled, 0);
      expect(billed).toBe(subscriptions.length * 3);

      const db = t.server.ledger.database.db;
      const twice = rowsOf(
        await db.execute(
          'select subscription_id, period_start, count(*) as n from invoices group by 1, 2 having count(*) <> 1',
        ),
      );
      expect(twice).toEqual([]);
      const perSubscription = rowsOf(
        await db.execute('select subscription_id, count(*) as n from invoices group by 1'),
      );
      expect(perSubscription).toHaveLength(subscriptions.length);
      expect(perSubscription.every((row) => Number(row.n) === 3)).toBe(true);
      const numbers = rowsOf(
        await db.execute('select number from invoices where number is not null order by number'),
      ).map((row) => row.number);
      expect(numbers).toEqual(
        Array.from(
          { length: subscriptions.length * 3 },
          (_, i) => `INV-${String(i + 1).padStart(6, '0')}`,
        ),
      );
      for (const id of subscriptions) {
        const sub = await t.rest<Wire>('GET', `/ledger/subscriptions/${id}`);
        expect(sub.body).toMatchObject({
          status: 'active',
          current_period_start: '2026-04-01T00:00:00.000Z',
        });
      }
      // Credits were applied once: each credited customer's 1500 went to its first two invoices
      // of 1000 (1000 + 500), never more.
      const applied = rowsOf(
        await db.execute(
          "select customer_id, count(*) as n, sum(amount) as s from balance_transactions where type = 'applied_to_invoice' group by 1",
        ),
      );
      expect(applied).toHaveLength(7);
      expect(applied.map((row) => [Number(row.n), Number(row.s)])).toEqual(
        Array(7).fill([2, 1500]),
      );

      const again = await Promise.all([
        t.server.ledger.billing.runDue(),
        second.server.ledger.billing.runDue(now),
      ]);
      expect(again.map((r) => r.periodsBilled)).toEqual([0, 0]);
    });
  },
);
