import { testDatabaseKinds } from '@ledger/db/testing';
import { builtInTax, createTestProcessor, type PaymentsPort, type TaxPort } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  balanceOf,
  createCustomer,
  createInvoice,
  type ErrorBody,
  expectError,
  invoicesOf,
  manualClock,
  monthlyPlan,
  subscribe,
  type Wire,
  type WireInvoice,
} from './support.js';

/** A test processor whose next charge waits until the test lets it answer. */
function gatedProcessor() {
  const inner = createTestProcessor();
  let gate: Promise<void> | null = null;
  let open: () => void = () => {};
  let entered: () => void = () => {};
  let charging: Promise<void> = Promise.resolve();
  const port: PaymentsPort = {
    ...inner,
    async charge(request) {
      if (gate) {
        entered();
        await gate;
      }
      return inner.charge(request);
    },
  };
  return {
    port,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
      charging = new Promise((resolve) => {
        entered = resolve;
      });
    },
    inCharge: () => charging,
    release() {
      open();
      gate = null;
    },
  };
}

describe.each(testDatabaseKinds())('billing review fixes on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-03-01T00:00:00.000Z');
  const processor = gatedProcessor();
  const builtIn = builtInTax('US');
  // Tax fails for one customer: the billing job must bill everyone else.
  const tax: TaxPort = {
    rate: builtIn.rate,
    calculate: async (request) => {
      if (request.customer.email?.startsWith('broken')) throw new Error('tax service down');
      return builtIn.calculate(request);
    },
  };
  let basic: Wire;
  let premium: Wire;
  let free: Wire;

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock, payments: processor.port, tax });
    basic = await monthlyPlan(t, 'basic', 3000, { name: 'Basic' });
    premium = await monthlyPlan(t, 'premium', 6000, { name: 'Premium' });
    free = await monthlyPlan(t, 'free', 0, { name: 'Free' });
  });
  afterAll(() => t.close());

  it('void refuses (409) an invoice whose charge is in flight; the charge then pays it', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await createCustomer(t, { email: 'void-race@example.com' });
    await t.rest('POST', `/ledger/customers/${c.id}/payment-methods`, {
      body: { token: 'tok_visa' },
    });
    const sub = await subscribe(t, c.id, basic.id);
    const draft = await createInvoice(t, sub.id);

    processor.hold();
    const finalizing = t.rest<WireInvoice>('POST', `/ledger/invoices/${draft.id}/finalize`);
    await processor.inCharge(); // finalized and committed; the charge is in flight
    const inFlight = await t.rest<WireInvoice>('GET', `/ledger/invoices/${draft.id}`);
    expect(inFlight.body).toMatchObject({
      status: 'open',
      charge_in_flight_since: time.now.toISOString(),
    });
    const refused = await t.rest<ErrorBody>('POST', `/ledger/invoices/${draft.id}/void`, {
      body: {},
    });
    const error = expectError(refused, 409, 'invoice_payment_in_progress', null);
    expect(error.type).toBe('conflict');
    expect(error.message).toMatch(/retry once the charge has settled/);
    expect(error.details).toEqual({
      invoice_id: draft.id,
      charge_in_flight_since: time.now.toISOString(),
      retry_after: new Date(time.now.getTime() + 5 * 60_000).toISOString(),
    });
    processor.release();
    expect((await finalizing).body).toMatchObject({ status: 'paid', charge_in_flight_since: null });

    const invoice = await t.rest<WireInvoice>('GET', `/ledger/invoices/${draft.id}`);
    expect(invoice.body).toMatchObject({ status: 'paid', amount_paid: { amount: 3000 } });
    const payments = await t.rest<{ data: Array<{ status: string; amount: { amount: number } }> }>(
      'GET',
      `/ledger/payments?invoice_id=${draft.id}`,
    );
    expect(payments.body.data).toEqual([
      expect.objectContaining({
        status: 'succeeded',
        amount: expect.objectContaining({ amount: 3000 }),
      }),
    ]);
    // Paid once, owed once: nothing went to the balance.
    expect(await balanceOf(t, c.id)).toBe(0);
    expectError(
      await t.rest('POST', `/ledger/invoices/${draft.id}/void`, { body: {} }),
      400,
      'invalid_state',
    );
  });

  it('one subscription that cannot be billed is skipped; every other period is billed', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const broken = await createCustomer(t, { email: 'broken@example.com' });
    const fine = await createCustomer(t, { email: 'fine@example.com' });
    await subscribe(t, broken.id, basic.id);
    await subscribe(t, fine.id, basic.id);
    time.set('2026-04-01T00:00:01.000Z');
    const report = await t.server.ledger.billing.runDue();
    expect(report.failed).toBeGreaterThanOrEqual(1);
    expect((await invoicesOf(t, fine.id)).map((i) => i.subtotal.amount)).toEqual([3000]);
    expect(await invoicesOf(t, broken.id)).toEqual([]);
  });

  it('refuses a subscription whose currencies no FX rate converts, naming plan_id', async () => {
    const c = await createCustomer(t, { email: 'xof@example.com', currency: 'XOF' });
    const res = await t.rest<ErrorBody>('POST', '/ledger/subscriptions', {
      body: { customer_id: c.id, plan_id: basic.id },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_currency', param: 'plan_id' });
  });

  it('a downgrade after a hand-finalized period bills no base twice; a negative total becomes credit', async () => {
    time.set('2026-05-01T00:00:00.000Z');
    const c = await createCustomer(t, { email: 'downgrade@example.com' });
    const sub = await subscribe(t, c.id, premium.id);
    const draft = await createInvoice(t, sub.id);
    expect((await t.rest('POST', `/ledger/invoices/${draft.id}/finalize`)).status).toBe(200);
    // Half of the 31-day May: Premium's unused half (−3000) is credited, Free costs nothing.
    time.set('2026-05-16T12:00:00.000Z');
    expect(
      (
        await t.rest('POST', `/ledger/subscriptions/${sub.id}/change-plan`, {
          body: { plan_id: free.id },
        })
      ).status,
    ).toBe(200);
    time.set('2026-06-01T00:00:01.000Z');
    await t.server.ledger.billing.runDue(); // May was billed by hand: nothing more for May
    time.set('2026-07-01T00:00:01.000Z');
    await t.server.ledger.billing.runDue();
    const [june] = (await invoicesOf(t, c.id)).filter((i) => i.id !== draft.id);
    expect(june?.line_items.map((l) => [l.kind, l.amount.amount])).toEqual([['proration', -3000]]);
    expect(june).toMatchObject({
      total: { amount: -3000 },
      amount_due: { amount: 0 },
      status: 'paid',
    });
    expect(june?.credit_applied.amount).toBe(-3000);
    expect(await balanceOf(t, c.id)).toBe(-3000);
  });
});
