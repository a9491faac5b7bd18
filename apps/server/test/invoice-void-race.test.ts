import { setTimeout as sleep } from 'node:timers/promises';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from './fake-stripe.js';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  balanceOf,
  createCustomer,
  createInvoice,
  type ErrorBody,
  errorOf,
  eventsOf,
  manualClock,
  monthlyPlan,
  subscribe,
  type Wire,
  type WireInvoice,
  type WireList,
} from './support.js';

/**
 * Finalize racing void, over real HTTP against Stripe (the real SDK and a fake Stripe whose
 * charges take the card at once and answer late, so the window between money taken and Ledger
 * hearing of it is real). An outside probe once saw a card charged for an invoice that ended
 * `void`. Every round must end in one of two ways: void, with nothing charged at Stripe, no
 * payment and nothing on the balance; or paid once, with void refused (409 while the charge was
 * in flight, 400 once the invoice was paid). On PostgreSQL the two requests really run at once;
 * PGlite serialises transactions, so fewer rounds run there.
 */

/** How late Stripe answers a charge it has made. */
const CHARGE_LATENCY_MS = 60;
/**
 * When void is sent relative to finalize: ms after it (negative: void first), or `charged`, as
 * soon as the card is charged at Stripe. Spread over the whole window: before finalize, with it,
 * while its transaction commits, and while the charge is out (`charged` makes sure some rounds
 * land there however slow the machine).
 */
const VOID_TIMINGS = [-5, 0, 0, 1, 2, 4, 8, 15, 30, 'charged'] as const;

type Outcome =
  | 'void: void committed before finalize (finalize 400)'
  | 'void: void committed between finalize and its charge (nothing charged)'
  | 'paid: void refused while the charge was in flight (409)'
  | 'paid: void came after the invoice was paid (400)';

interface Balances {
  data: Array<{ type: string; amount: { amount: number } }>;
}

describe.each(testDatabaseKinds())('finalize racing void on %s', (kind) => {
  const rounds = kind === 'postgres' ? 100 : 20;
  let t: TestLedger;
  let fake: FakeStripe;
  let plan: Wire;

  beforeAll(async () => {
    fake = await startFakeStripe();
    t = await startTestLedger(
      kind,
      {},
      { STRIPE_SECRET_KEY: 'sk_test_race', STRIPE_API_BASE: fake.url },
    );
    plan = await monthlyPlan(t, 'race', 3000);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** One round: a fresh customer with a card, a draft, then finalize and void at once. */
  async function round(n: number): Promise<Outcome> {
    const customer = await createCustomer(t, { email: `race-${kind}-${n}@example.com` });
    const card = await t.rest('POST', `/ledger/customers/${customer.id}/payment-methods`, {
      body: { token: 'tok_visa' },
    });
    expect(card.status, card.text).toBe(201);
    const sub = await subscribe(t, customer.id, plan.id);
    const draft = await createInvoice(t, sub.id);
    const when = VOID_TIMINGS[n % VOID_TIMINGS.length] ?? 0;

    const finalize = () =>
      t.rest<WireInvoice & ErrorBody>('POST', `/ledger/invoices/${draft.id}/finalize`);
    const voidIt = () =>
      t.rest<WireInvoice & ErrorBody>('POST', `/ledger/invoices/${draft.id}/void`, {
        body: { reason: 'race' },
      });
    const charged = () => fake.intents().some((i) => i.metadata.ledger_invoice_id === draft.id);
    let finalizing: ReturnType<typeof finalize>;
    let voiding: ReturnType<typeof voidIt>;
    if (when === 'charged') {
      finalizing = finalize();
      while (!charged()) await sleep(1);
      voiding = voidIt();
    } else if (when < 0) {
      voiding = voidIt();
      await sleep(-when);
      finalizing = finalize();
    } else {
      finalizing = finalize();
      await sleep(when);
      voiding = voidIt();
    }
    const [finalized, voided] = await Promise.all([finalizing, voiding]);

    const invoice = (await t.rest<WireInvoice>('GET', `/ledger/invoices/${draft.id}`)).body;
    const payments = (
      await t.rest<WireList<{ status: string; amount: { amount: number } }>>(
        'GET',
        `/ledger/payments?invoice_id=${draft.id}`,
      )
    ).body.data;
    const journal = (
      await t.rest<Balances>('GET', `/ledger/customers/${customer.id}/balance-transactions`)
    ).body.data;
    const answer = (res: { status: number; body: WireInvoice & ErrorBody }) =>
      `${res.status} ${res.body.status ?? res.body.error?.code}`;
    const context = `round ${n} (void at ${when}): finalize ${answer(finalized)}, void ${answer(voided)}, invoice ${invoice.status}`;

    // Whatever the order, nothing is in flight afterwards and the balance never saw a payment.
    expect(invoice.charge_in_flight_since, context).toBeNull();
    expect(journal, context).toEqual([]);
    expect(await balanceOf(t, customer.id), context).toBe(0);

    if (invoice.status === 'void') {
      // Never charged for a void invoice (not even charged and refunded): no PaymentIntent at
      // Stripe, no payment in Ledger.
      expect(
        fake.intents().filter((intent) => intent.metadata.ledger_invoice_id === draft.id),
        context,
      ).toEqual([]);
      expect(payments, context).toEqual([]);
      expect(voided.status, context).toBe(200);
      if (finalized.status === 400) {
        expect(errorOf(finalized.body).code, context).toBe('invalid_state');
        return 'void: void committed before finalize (finalize 400)';
      }
      expect(finalized.status, context).toBe(200);
      expect(finalized.body.status, context).toBe('void');
      return 'void: void committed between finalize and its charge (nothing charged)';
    }

    // Otherwise the invoice is paid, exactly once, and void was refused.
    expect(invoice.status, context).toBe('paid');
    expect(finalized.status, context).toBe(200);
    expect(finalized.body.status, context).toBe('paid');
    expect(fake.heldFor(draft.id), context).toBe(3000);
    expect(payments, context).toEqual([
      expect.objectContaining({
        status: 'succeeded',
        amount: expect.objectContaining({ amount: 3000 }),
      }),
    ]);
    if (voided.status === 409) {
      expect(errorOf(voided.body).code, context).toBe('invoice_payment_in_progress');
      return 'paid: void refused while the charge was in flight (409)';
    }
    expect(voided.status, context).toBe(400);
    expect(errorOf(voided.body).code, context).toBe('invalid_state');
    return 'paid: void came after the invoice was paid (400)';
  }

  it(`never leaves a void invoice charged, over ${rounds} rounds`, async () => {
    fake.chargeLatency(CHARGE_LATENCY_MS);
    const { charges: charged, refunds } = fake.counters;
    const outcomes = new Map<Outcome, number>();
    for (let n = 0; n < rounds; n++) {
      const outcome = await round(n);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    fake.chargeLatency(0);
    const paid = [...outcomes]
      .filter(([outcome]) => outcome.startsWith('paid'))
      .reduce((sum, [, count]) => sum + count, 0);
    console.info(
      `finalize racing void on ${kind}, ${rounds} rounds:`,
      Object.fromEntries(outcomes),
    );

    // One charge per paid invoice, none for the others, and so nothing to refund.
    expect(fake.counters.charges - charged).toBe(paid);
    expect(fake.counters.refunds - refunds).toBe(0);
    // Both orders happened: void first (never charged) and the charge first (void refused).
    expect(
      outcomes.get('void: void committed before finalize (finalize 400)') ?? 0,
    ).toBeGreaterThan(0);
    expect(
      outcomes.get('paid: void refused while the charge was in flight (409)') ?? 0,
    ).toBeGreaterThan(0);
  }, 300_000);
});

describe.each(testDatabaseKinds())('a charge that outlives its lease on %s', (kind) => {
  const time = manualClock('2026-03-02T09:00:00.000Z');
  const logged: string[] = [];
  let t: TestLedger;
  let fake: FakeStripe;
  let plan: Wire;
  let seq = 0;

  beforeAll(async () => {
    fake = await startFakeStripe();
    t = await startTestLedger(
      kind,
      {
        clock: time.clock,
        logger: {
          warn: (message) => logged.push(message),
          error: (message) => logged.push(message),
        },
      },
      { STRIPE_SECRET_KEY: 'sk_test_lease', STRIPE_API_BASE: fake.url },
    );
    plan = await monthlyPlan(t, 'lease', 3000);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /**
   * An invoice finalized and charged at Stripe, whose answer Stripe holds back until `answer`:
   * Ledger's charge is in flight, and stays so for as long as the test likes.
   */
  async function chargedButUnanswered() {
    seq++;
    const customer = await createCustomer(t, { email: `lease-${kind}-${seq}@example.com` });
    const card = await t.rest('POST', `/ledger/customers/${customer.id}/payment-methods`, {
      body: { token: 'tok_visa' },
    });
    expect(card.status, card.text).toBe(201);
    const sub = await subscribe(t, customer.id, plan.id);
    const draft = await createInvoice(t, sub.id);
    const answer = fake.holdNext();
    const finalizing = t.rest<WireInvoice>('POST', `/ledger/invoices/${draft.id}/finalize`);
    while (fake.heldFor(draft.id) === 0) await sleep(5);
    return { customer, invoiceId: draft.id, answer, finalizing };
  }

  function voidIt(invoiceId: string) {
    return t.rest<WireInvoice & ErrorBody>('POST', `/ledger/invoices/${invoiceId}/void`, {
      body: {},
    });
  }

  async function paymentsOf(invoiceId: string) {
    return (
      await t.rest<WireList<{ id: string; status: string; amount: { amount: number } }>>(
        'GET',
        `/ledger/payments?invoice_id=${invoiceId}`,
      )
    ).body.data;
  }

  async function journalOf(customerId: string) {
    return (await t.rest<Balances>('GET', `/ledger/customers/${customerId}/balance-transactions`))
      .body.data;
  }

  it('does not remember the in-flight refusal under an Idempotency-Key: the retry gets the real answer', async () => {
    const { invoiceId, answer, finalizing } = await chargedButUnanswered();
    const keyed = () =>
      t.rest<WireInvoice & ErrorBody>('POST', `/ledger/invoices/${invoiceId}/void`, {
        body: {},
        headers: { 'Idempotency-Key': `void-${invoiceId}` },
      });
    const refused = await keyed();
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.code).toBe('invoice_payment_in_progress');
    answer();
    expect((await finalizing).body.status).toBe('paid');
    const retried = await keyed();
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.status, retried.text).toBe(400);
    expect(retried.body.error.code).toBe('invalid_state');
  });

  it('is refunded through Stripe when it lands after void, never kept as credit', async () => {
    const { customer, invoiceId, answer, finalizing } = await chargedButUnanswered();
    expect((await voidIt(invoiceId)).status).toBe(409);

    // The process that charged is presumed dead once the lease has run out: void goes ahead.
    time.advance(5 * 60_000);
    const voided = await voidIt(invoiceId);
    expect(voided.status, voided.text).toBe(200);
    expect(voided.body).toMatchObject({ status: 'void', charge_in_flight_since: null });
    expect(fake.heldFor(invoiceId)).toBe(3000);

    // Then the charge's answer arrives: it is recorded, and given back through Stripe.
    answer();
    const finalized = await finalizing;
    expect(finalized.status, finalized.text).toBe(200);
    expect(finalized.body.status).toBe('void');
    expect(fake.heldFor(invoiceId)).toBe(0);
    const [payment, ...others] = await paymentsOf(invoiceId);
    expect(others).toEqual([]);
    expect(payment).toMatchObject({ status: 'refunded', amount: { amount: 3000 } });
    expect(fake.refunds().map((refund) => refund.amount)).toEqual([3000]);
    expect(
      fake.requests.filter((r) => r.path === '/v1/refunds').map((r) => r.idempotencyKey),
    ).toEqual([`${payment?.id}:refund`]);
    expect(await journalOf(customer.id)).toEqual([]);
    expect(await balanceOf(t, customer.id)).toBe(0);
    const events = (await eventsOf(t, customer.id)).map((event) => event.type);
    expect(events.slice(events.indexOf('invoice.voided'))).toEqual([
      'invoice.voided',
      'payment.succeeded',
      'payment.refunded',
    ]);
  });

  it('keeps a refund Stripe failed due, and the billing job makes it with the same key', async () => {
    const { customer, invoiceId, answer, finalizing } = await chargedButUnanswered();
    time.advance(5 * 60_000);
    expect((await voidIt(invoiceId)).status).toBe(200);
    const refundRequests = () => fake.requests.filter((r) => r.path === '/v1/refunds');
    const before = refundRequests().length;
    // Stripe is down for the refund and the SDK's two retries of it.
    fake.fail(3);
    answer();
    expect((await finalizing).status).toBe(200);
    expect(refundRequests().length - before).toBe(3);
    const [payment] = await paymentsOf(invoiceId);
    expect(payment?.status).toBe('succeeded');
    expect(fake.heldFor(invoiceId)).toBe(3000);
    expect(logged).toContain(
      'refunding a payment for an invoice no longer owed failed; it is retried',
    );

    // Not due again before its retry time; then the billing job refunds it, once.
    expect((await t.server.ledger.billing.runDue()).refunded).toBe(0);
    time.advance(60 * 60_000);
    expect((await t.server.ledger.billing.runDue()).refunded).toBe(1);
    expect((await t.server.ledger.billing.runDue()).refunded).toBe(0);
    expect(fake.heldFor(invoiceId)).toBe(0);
    expect((await paymentsOf(invoiceId)).map((p) => p.status)).toEqual(['refunded']);
    expect(
      new Set(
        refundRequests()
          .slice(before)
          .map((r) => r.idempotencyKey),
      ),
    ).toEqual(new Set([`${payment?.id}:refund`]));
    expect(await journalOf(customer.id)).toEqual([]);
  });
});
