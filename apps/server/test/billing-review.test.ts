import { testDatabaseKinds } from '@ledger/db/testing';
import { builtInTax, createTestProcessor, type PaymentsPort, type TaxPort } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  balanceOf,
  createCustomer,
  createInvoice,
  type ErrorBody,
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
      if (request.customer.email.startsWith('broken')) throw new Error('tax service down');
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

  it('a charge that succeeds after its invoice was voided is kept as credit, not lost or doubled', async () => {
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
    const voided = await t.rest<WireInvoice>('POST', `/ledger/invoices/${draft.id}/void`, {
      body: {},
    });
    expect(voided.status, voided.text).toBe(200);
    expect(voided.body.status).toBe('void');
    processor.release();
    expect((await finalizing).status).toBe(200);

    const invoice = await t.rest<WireInvoice>('GET', `/ledger/invoices/${draft.id}`);
    expect(invoice.body).toMatchObject({ status: 'void', amount_paid: { amount: 0 } });
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
    // The customer paid 3000 for nothing owed: it is theirs, as credit.
    expect(await balanceOf(t, c.id)).toBe(-3000);
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
