import { ledgerErrorOf } from '@ledger/client';
import { type DatabaseKind, testDatabaseKinds } from '@ledger/db/testing';
import type { CustomerId, LedgerEvent, PaymentMethodId } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStripe, signStripePayload, startFakeStripe, stripeEvent } from './fake-stripe.js';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createInvoice,
  DAY,
  type ErrorBody,
  eventsOf,
  expectError,
  manualClock,
  monthlyPlan,
  scopeA,
  subscribe,
  type WireCustomer,
  type WireInvoice,
  type WireMoney,
} from './support.js';

/**
 * Payment methods and charging, end to end over REST and tRPC, once with the built-in test
 * processor and once with Stripe: the real SDK pointed at a fake Stripe that answers like Stripe
 * (declines, 5xx, slow answers, idempotent replays). The same scenarios run against both; what
 * only Stripe has (outages, timeouts, webhooks) runs for Stripe only.
 */

type Processor = 'test' | 'stripe';

interface WireCard {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  country: string | null;
}
interface WireMethod {
  id: string;
  customer_id: string;
  processor: string;
  type: string;
  card: WireCard;
  created_at: string;
  removed_at?: string | null;
}
interface WirePayment {
  id: string;
  invoice_id: string;
  customer_id: string;
  amount: WireMoney;
  status: string;
  payment_method_id: string | null;
  processor: string;
  processor_ref: string | null;
  failure_code: string | null;
  failure_message: string | null;
}

const WEBHOOK_SECRET = 'whsec_test';
const STRIPE_TIMEOUT_MS = 300;
const VISA: WireCard = {
  brand: 'visa',
  last4: '4242',
  exp_month: 12,
  exp_year: 2034,
  country: 'US',
};

const cases = (['test', 'stripe'] as const).flatMap((processor) =>
  testDatabaseKinds().map((kind): [Processor, DatabaseKind] => [processor, kind]),
);

describe.each(cases)('payments with the %s processor on %s', (processor, kind) => {
  let t: TestLedger;
  let fake: FakeStripe;
  let planId: string;
  let seq = 0;
  const time = manualClock('2026-03-02T09:00:00.000Z');
  const isStripe = processor === 'stripe';
  /** A generic decline reads `card_declined` with both processors (Stripe's code, not its reason). */
  const chargeDecline = 'card_declined';

  beforeAll(async () => {
    if (isStripe) fake = await startFakeStripe();
    const env: Record<string, string> = isStripe
      ? {
          STRIPE_SECRET_KEY: 'sk_test_x',
          STRIPE_API_BASE: fake.url,
          STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
          STRIPE_TIMEOUT_MS: String(STRIPE_TIMEOUT_MS),
        }
      : {};
    t = await startTestLedger(kind, { clock: time.clock }, env);
    planId = (await monthlyPlan(t, 'pro', 2_000, { name: 'Pro' })).id;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const store = () => t.server.ledger.deps.store;

  function newCustomer(): Promise<WireCustomer> {
    seq++;
    return createCustomer(t, { name: `Payer ${seq}`, email: `payer-${seq}@example.com` });
  }

  function addCard(customerId: string, token: string, makeDefault?: boolean) {
    return t.rest<WireMethod & ErrorBody>(
      'POST',
      `/ledger/customers/${customerId}/payment-methods`,
      {
        body: makeDefault === undefined ? { token } : { token, make_default: makeDefault },
      },
    );
  }

  async function card(customerId: string, token: string, makeDefault?: boolean) {
    const res = await addCard(customerId, token, makeDefault);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  async function getCustomer(id: string) {
    return (await t.rest<WireCustomer>('GET', `/ledger/customers/${id}`)).body;
  }

  async function listMethods(id: string) {
    const res = await t.rest<{ data: WireMethod[] }>(
      'GET',
      `/ledger/customers/${id}/payment-methods`,
    );
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  }

  const ofType = (list: LedgerEvent[], type: string) => list.filter((event) => event.type === type);

  async function processorIdOf(methodId: string): Promise<string> {
    const method = await store().getPaymentMethod(scopeA, methodId as PaymentMethodId);
    if (!method) throw new Error(`no method ${methodId}`);
    return method.processorId;
  }

  /** A subscription (to Pro unless `plan` says) with a draft invoice for its current period. */
  async function draftInvoice(customerId: string, plan = planId) {
    const sub = await subscribe(t, customerId, plan);
    const invoice = await createInvoice(t, sub.id);
    expect(invoice.amount_due.amount).toBeGreaterThan(0);
    return { subscriptionId: sub.id, invoiceId: invoice.id };
  }

  async function finalize(invoiceId: string) {
    const res = await t.rest<WireInvoice>('POST', `/ledger/invoices/${invoiceId}/finalize`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  function pay(invoiceId: string) {
    return t.rest<WireInvoice & ErrorBody>('POST', `/ledger/invoices/${invoiceId}/pay`);
  }

  async function invoice(id: string) {
    return (await t.rest<WireInvoice>('GET', `/ledger/invoices/${id}`)).body;
  }

  async function payments(invoiceId: string) {
    const res = await t.rest<{ data: WirePayment[] }>(
      'GET',
      `/ledger/payments?invoice_id=${invoiceId}&limit=100`,
    );
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  }

  async function subscriptionStatus(id: string) {
    return (await t.rest<{ status: string }>('GET', `/ledger/subscriptions/${id}`)).body.status;
  }

  it(`is wired to the ${processor} processor`, () => {
    expect(t.server.ledger.deps.payments.processor).toBe(processor);
  });

  describe('payment methods', () => {
    it('adds a card over REST: 201 with the card details, never a number or processor id', async () => {
      const customer = await newCustomer();
      const res = await addCard(customer.id, 'tok_visa');
      expect(res.status, res.text).toBe(201);
      const { removed_at: removedAt, ...shown } = res.body;
      expect(shown).toEqual({
        id: expect.stringMatching(/^pm_/),
        customer_id: customer.id,
        processor,
        type: 'card',
        card: VISA,
        created_at: time.now.toISOString(),
      });
      expect(removedAt ?? null).toBeNull();
      const processorId = await processorIdOf(res.body.id);
      expect(res.text).not.toContain(processorId);
      expect(res.text).not.toMatch(/processor_id|4242424242424242|"number"|cvc/);
      expect(await listMethods(customer.id)).toEqual([res.body]);
      const listed = await t.rest('GET', `/ledger/customers/${customer.id}/payment-methods`);
      expect(listed.text).not.toContain(processorId);

      if (isStripe) {
        // Stripe holds the card, attached to the Stripe customer made for this Ledger customer.
        const [stripeCustomer] = fake.customersFor(customer.id);
        expect(stripeCustomer).toMatchObject({
          email: customer.email,
          metadata: { ledger_customer_id: customer.id, ledger_tenant_id: 'tenant-a' },
        });
        expect(fake.paymentMethod(processorId)).toMatchObject({
          customer: stripeCustomer?.id,
          card: { brand: 'visa', last4: '4242' },
        });
      }
    });

    it('adds, lists and removes over tRPC (customer.paymentMethods)', async () => {
      const customer = await newCustomer();
      const client = t.client();
      const added = await client.customer.paymentMethods.add.mutate({
        customerId: customer.id,
        token: 'tok_mastercard',
      });
      expect(added).toMatchObject({
        customerId: customer.id,
        processor,
        type: 'card',
        card: { brand: 'mastercard', last4: '4444', expMonth: 12, expYear: 2034, country: 'US' },
        removedAt: null,
      });
      const listed = await client.customer.paymentMethods.list.query({ customerId: customer.id });
      expect(listed.data.map((method) => method.id)).toEqual([added.id]);
      expect((await client.customer.get.query({ id: customer.id })).defaultPaymentMethod).toBe(
        added.id,
      );

      const refused = await client.customer.paymentMethods.add
        .mutate({ customerId: customer.id, token: 'tok_chargeDeclinedInsufficientFunds' })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(ledgerErrorOf(refused)).toMatchObject({ code: 'insufficient_funds' });

      const removed = await client.customer.paymentMethods.remove.mutate({
        customerId: customer.id,
        paymentMethodId: added.id,
      });
      expect(removed.removedAt).not.toBeNull();
      expect(
        (await client.customer.paymentMethods.list.query({ customerId: customer.id })).data,
      ).toEqual([]);
      expect(
        (await client.customer.get.query({ id: customer.id })).defaultPaymentMethod,
      ).toBeNull();
    });

    it('makes the first card the default, a later one only with make_default, and emits events', async () => {
      const customer = await newCustomer();
      const first = await card(customer.id, 'tok_visa');
      expect((await getCustomer(customer.id)).default_payment_method).toBe(first.id);
      const second = await card(customer.id, 'tok_mastercard');
      expect((await getCustomer(customer.id)).default_payment_method).toBe(first.id);
      const third = await card(customer.id, 'tok_amex', true);
      expect(third.card).toMatchObject({ brand: 'amex', last4: '8431' });
      expect((await getCustomer(customer.id)).default_payment_method).toBe(third.id);
      const fourth = await card(customer.id, 'tok_discover', false);
      expect((await getCustomer(customer.id)).default_payment_method).toBe(third.id);
      expect((await listMethods(customer.id)).map((method) => method.id)).toEqual([
        first.id,
        second.id,
        third.id,
        fourth.id,
      ]);

      const log = await eventsOf(t, customer.id);
      expect(
        ofType(log, 'customer.payment_method.added').map(
          (event) => (event.data.object as { id: string }).id,
        ),
      ).toEqual([first.id, second.id, third.id, fourth.id]);
      // The default changed twice: none → first, first → third.
      expect(ofType(log, 'customer.updated').map((event) => event.previousAttributes)).toEqual([
        { defaultPaymentMethod: null },
        { defaultPaymentMethod: first.id },
      ]);
    });

    it('sets the default through PUT /ledger/customers/{id}, only to a live method of the customer', async () => {
      const customer = await newCustomer();
      const first = await card(customer.id, 'tok_visa');
      const second = await card(customer.id, 'tok_mastercard');
      const updated = await t.rest<WireCustomer>('PUT', `/ledger/customers/${customer.id}`, {
        body: { default_payment_method: second.id },
      });
      expect(updated.status, updated.text).toBe(200);
      expect(updated.body.default_payment_method).toBe(second.id);
      const changes = ofType(await eventsOf(t, customer.id), 'customer.updated');
      expect(changes.at(-1)?.previousAttributes).toEqual({ defaultPaymentMethod: first.id });

      const other = await newCustomer();
      const foreign = await card(other.id, 'tok_visa');
      expectError(
        await t.rest('PUT', `/ledger/customers/${customer.id}`, {
          body: { default_payment_method: foreign.id },
        }),
        400,
        'payment_method_not_found',
      );
      expect(
        (await t.rest('DELETE', `/ledger/customers/${customer.id}/payment-methods/${first.id}`))
          .status,
      ).toBe(204);
      expectError(
        await t.rest('PUT', `/ledger/customers/${customer.id}`, {
          body: { default_payment_method: first.id },
        }),
        400,
        'payment_method_not_found',
      );
      expect((await getCustomer(customer.id)).default_payment_method).toBe(second.id);
    });

    it('removes a method (204); removing the default clears it; the processor copy is detached', async () => {
      const customer = await newCustomer();
      const first = await card(customer.id, 'tok_visa');
      const second = await card(customer.id, 'tok_mastercard');
      const before = await eventsOf(t, customer.id);
      const secondRef = await processorIdOf(second.id);
      const firstRef = await processorIdOf(first.id);

      const path = (id: string) => `/ledger/customers/${customer.id}/payment-methods/${id}`;
      expect((await t.rest('DELETE', path(second.id))).status).toBe(204);
      expect((await getCustomer(customer.id)).default_payment_method).toBe(first.id);
      expect((await t.rest('DELETE', path(first.id))).status).toBe(204);
      expect((await getCustomer(customer.id)).default_payment_method).toBeNull();
      expect(await listMethods(customer.id)).toEqual([]);
      expectError(await t.rest('DELETE', path(first.id)), 400, 'payment_method_not_found');

      const added = (await eventsOf(t, customer.id)).slice(before.length);
      expect(added.map((event) => event.type)).toEqual([
        'customer.payment_method.removed',
        'customer.payment_method.removed',
        'customer.updated',
      ]);
      expect(added[2]?.previousAttributes).toEqual({ defaultPaymentMethod: first.id });
      // Removed methods stay for payment history.
      expect(
        (await store().getPaymentMethod(scopeA, first.id as PaymentMethodId))?.removedAt,
      ).not.toBeNull();

      if (isStripe) {
        expect(fake.paymentMethod(firstRef)?.customer).toBeNull();
        expect(fake.paymentMethod(secondRef)?.customer).toBeNull();
      }
    });

    it('refuses a declining card with 402 and the decline code, and stores nothing', async () => {
      const customer = await newCustomer();
      const declined = expectError(
        await addCard(customer.id, 'tok_chargeDeclined'),
        402,
        'card_declined',
      );
      expect(declined.type).toBe('payment');
      const poor = expectError(
        await addCard(customer.id, 'tok_chargeDeclinedInsufficientFunds'),
        402,
        'insufficient_funds',
      );
      expect(poor).toMatchObject({
        type: 'payment',
        details: { decline_code: 'insufficient_funds' },
      });
      expectError(await addCard(customer.id, 'tok_chargeDeclinedExpiredCard'), 402, 'expired_card');
      expect(await listMethods(customer.id)).toEqual([]);
      expect((await getCustomer(customer.id)).default_payment_method).toBeNull();
      expect(
        (await eventsOf(t, customer.id)).filter((event) => event.type !== 'customer.created'),
      ).toEqual([]);
    });

    it('refuses an unknown token or method id with 400 invalid_token', async () => {
      const customer = await newCustomer();
      const error = expectError(await addCard(customer.id, 'tok_nonsense'), 400, 'invalid_token');
      expect(error.param).toBe('token');
      expectError(await addCard(customer.id, 'pm_doesnotexist'), 400, 'invalid_token');
      expect(await listMethods(customer.id)).toEqual([]);
    });

    it('accepts Stripe test payment-method ids (pm_card_*) as well as tokens', async () => {
      const customer = await newCustomer();
      const method = await card(customer.id, 'pm_card_amex');
      expect(method.card).toMatchObject({ brand: 'amex', last4: '8431' });
    });

    it('creates the processor customer once for all of a customer’s cards', async () => {
      const customer = await newCustomer();
      // A refused card first: the customer made for it is the one the next cards use.
      expectError(await addCard(customer.id, 'tok_chargeDeclined'), 402, 'card_declined');
      await card(customer.id, 'tok_visa');
      await card(customer.id, 'tok_mastercard');
      await card(customer.id, 'pm_card_amex');
      const remembered = await store().getProcessorCustomer(
        scopeA,
        customer.id as CustomerId,
        processor,
      );
      expect(remembered).toBeTruthy();
      if (isStripe) {
        const created = fake.customersFor(customer.id);
        expect(created.map((c) => c.id)).toEqual([remembered]);
        const refs = await Promise.all(
          (await listMethods(customer.id)).map((method) => processorIdOf(method.id)),
        );
        for (const ref of refs) expect(fake.paymentMethod(ref)?.customer).toBe(remembered);
      }
    });
  });

  describe('charging', () => {
    it('charges the default method when an invoice is finalized: paid, with a succeeded payment', async () => {
      const customer = await newCustomer();
      await card(customer.id, 'tok_mastercard');
      const visa = await card(customer.id, 'tok_visa', true);
      const { invoiceId, subscriptionId } = await draftInvoice(customer.id);
      const finalized = await finalize(invoiceId);
      expect(finalized).toMatchObject({ status: 'paid', collection_note: null, attempt_count: 1 });
      expect(finalized.amount_paid).toEqual(finalized.amount_due);
      const list = await payments(invoiceId);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({
        status: 'succeeded',
        customer_id: customer.id,
        payment_method_id: visa.id,
        processor,
        amount: { amount: finalized.amount_due.amount, currency: 'USD' },
        failure_code: null,
      });
      expect(await subscriptionStatus(subscriptionId)).toBe('active');
      const types = (await eventsOf(t, customer.id)).map((event) => event.type);
      expect(types).toContain('payment.succeeded');
      expect(types).toContain('invoice.paid');

      if (isStripe) {
        const key = `${invoiceId}:attempt-1`;
        const intent = fake.intentForKey(key);
        expect(intent).toMatchObject({
          status: 'succeeded',
          amount: finalized.amount_due.amount,
          currency: 'usd',
          customer: fake.customersFor(customer.id)[0]?.id,
          payment_method: await processorIdOf(visa.id),
          metadata: {
            ledger_tenant_id: 'tenant-a',
            ledger_app_id: 'app',
            ledger_invoice_id: invoiceId,
          },
        });
        expect(list[0]?.processor_ref).toBe(intent?.id);
        expect(fake.chargesByKey.get(key)).toBe(intent?.id);
        const request = fake.requests.find((r) => r.idempotencyKey === key);
        expect(request?.params).toMatchObject({ off_session: 'true', confirm: 'true' });
      }
    });

    it('marks a declined invoice past_due with a failed payment; pay retries with 402', async () => {
      const customer = await newCustomer();
      const failing = await card(customer.id, 'tok_chargeCustomerFail');
      expect(failing.card.last4).toBe('0341');
      const { invoiceId, subscriptionId } = await draftInvoice(customer.id);
      const finalized = await finalize(invoiceId);
      expect(finalized).toMatchObject({
        status: 'past_due',
        collection_note: chargeDecline,
        attempt_count: 1,
        next_payment_attempt: new Date(time.now.getTime() + DAY).toISOString(),
      });
      expect(finalized.amount_paid.amount).toBe(0);
      const first = await payments(invoiceId);
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({
        status: 'failed',
        failure_code: chargeDecline,
        payment_method_id: failing.id,
        processor,
      });
      expect(first[0]?.failure_message).toBeTruthy();
      expect(await subscriptionStatus(subscriptionId)).toBe('past_due');

      const retried = await pay(invoiceId);
      // The processor's own decline code, as when a card is refused at attach.
      const error = expectError(retried, 402, chargeDecline);
      expect(error).toMatchObject({
        type: 'payment',
        details: { decline_code: chargeDecline, invoice_id: invoiceId },
      });
      const after = await payments(invoiceId);
      expect(after.map((payment) => payment.status)).toEqual(['failed', 'failed']);
      expect(await invoice(invoiceId)).toMatchObject({ status: 'past_due', attempt_count: 2 });
      const types = (await eventsOf(t, customer.id)).map((event) => event.type);
      expect(types.filter((type) => type === 'payment.failed')).toHaveLength(2);
      expect(types.filter((type) => type === 'invoice.payment_failed')).toHaveLength(2);

      if (isStripe) {
        // Each attempt is its own PaymentIntent under its own key; nothing was charged.
        for (const attempt of [1, 2]) {
          expect(fake.intentForKey(`${invoiceId}:attempt-${attempt}`)?.status).toBe(
            'requires_payment_method',
          );
          expect(fake.chargesByKey.has(`${invoiceId}:attempt-${attempt}`)).toBe(false);
        }
      }
    });

    it('leaves an invoice open with no_payment_method when there is no default, then pay collects it', async () => {
      const customer = await newCustomer();
      const { invoiceId } = await draftInvoice(customer.id);
      const finalized = await finalize(invoiceId);
      expect(finalized).toMatchObject({
        status: 'open',
        collection_note: 'no_payment_method',
        attempt_count: 0,
      });
      expect(await payments(invoiceId)).toEqual([]);
      await card(customer.id, 'tok_visa');
      const paid = await pay(invoiceId);
      expect(paid.status, paid.text).toBe(200);
      expect(paid.body).toMatchObject({ status: 'paid', collection_note: null });
      expect((await payments(invoiceId)).map((payment) => payment.status)).toEqual(['succeeded']);
    });

    it('retries a past-due invoice 1, 3 and 7 days after the failure, then stops', async () => {
      const customer = await newCustomer();
      await card(customer.id, 'tok_chargeCustomerFail');
      const { invoiceId, subscriptionId } = await draftInvoice(customer.id);
      const failedAt = time.now.getTime();
      expect((await finalize(invoiceId)).status).toBe('past_due');

      const runAt = async (ms: number) => {
        time.set(new Date(failedAt + ms));
        const report = await t.server.ledger.billing.runDue();
        return report.invoices.filter((collection) => collection.invoice.id === invoiceId);
      };
      expect(await runAt(DAY - 60_000)).toEqual([]);
      expect(await payments(invoiceId)).toHaveLength(1);
      for (const [day, attempts] of [
        [1, 2],
        [3, 3],
        [7, 4],
      ] as const) {
        const collected = await runAt(day * DAY);
        expect(collected, `day ${day}`).toHaveLength(1);
        expect(collected[0]?.payment?.status, `day ${day}`).toBe('failed');
        const list = await payments(invoiceId);
        expect(list, `day ${day}`).toHaveLength(attempts);
        expect(list.every((payment) => payment.status === 'failed')).toBe(true);
      }
      const exhausted = await invoice(invoiceId);
      expect(exhausted).toMatchObject({
        status: 'past_due',
        attempt_count: 4,
        next_payment_attempt: null,
        collection_note: chargeDecline,
      });
      expect(await runAt(30 * DAY - 60_000)).toEqual([]);
      expect(await payments(invoiceId)).toHaveLength(4);
      expect(await subscriptionStatus(subscriptionId)).toBe('past_due');
      if (isStripe) {
        // Four attempts, four PaymentIntents under four keys, none charged.
        const intents = fake.intents().filter((i) => i.metadata.ledger_invoice_id === invoiceId);
        expect(intents).toEqual(
          [1, 2, 3, 4].map((n) => fake.intentForKey(`${invoiceId}:attempt-${n}`)),
        );
        expect(intents.every((i) => i.status === 'requires_payment_method')).toBe(true);
      }
    });

    it('collects on the next retry once the default is swapped to a good card: paid, subscription active', async () => {
      const customer = await newCustomer();
      await card(customer.id, 'tok_chargeCustomerFail');
      const good = await card(customer.id, 'tok_visa');
      const { invoiceId, subscriptionId } = await draftInvoice(customer.id);
      const failedAt = time.now.getTime();
      expect((await finalize(invoiceId)).status).toBe('past_due');
      expect(await subscriptionStatus(subscriptionId)).toBe('past_due');

      const swapped = await t.rest<WireCustomer>('PUT', `/ledger/customers/${customer.id}`, {
        body: { default_payment_method: good.id },
      });
      expect(swapped.body.default_payment_method).toBe(good.id);
      time.set(new Date(failedAt + DAY));
      const report = await t.server.ledger.billing.runDue();
      const mine = report.invoices.filter((collection) => collection.invoice.id === invoiceId);
      expect(mine.map((collection) => collection.payment?.status)).toEqual(['succeeded']);
      expect(await invoice(invoiceId)).toMatchObject({
        status: 'paid',
        attempt_count: 2,
        next_payment_attempt: null,
      });
      const list = await payments(invoiceId);
      expect(list.map((payment) => payment.status).sort()).toEqual(['failed', 'succeeded']);
      expect(list.find((payment) => payment.status === 'succeeded')?.payment_method_id).toBe(
        good.id,
      );
      expect(await subscriptionStatus(subscriptionId)).toBe('active');
    });
  });

  // Registered only for its processor, so no run reports it skipped.
  if (processor === 'test') {
    describe('without Stripe', () => {
      it('has no Stripe webhook endpoint', async () => {
        const payload = stripeEvent('payment_intent.succeeded', {
          id: 'pi_x',
          object: 'payment_intent',
        });
        const res = await t.rest('POST', '/webhooks/stripe', {
          key: null,
          rawBody: payload,
          headers: {
            'Content-Type': 'application/json',
            'Stripe-Signature': signStripePayload(payload, WEBHOOK_SECRET),
          },
        });
        expect(res.status).toBe(404);
      });
    });
  }

  // Registered only for its processor, so no run reports it skipped.
  if (processor === 'stripe') {
    describe('Stripe outages, timeouts and webhooks', () => {
      /** An open invoice (no card at finalize) of a customer who then adds a Visa. */
      async function openInvoiceWithCard() {
        const customer = await newCustomer();
        const { invoiceId, subscriptionId } = await draftInvoice(customer.id);
        expect((await finalize(invoiceId)).status).toBe('open');
        const visa = await card(customer.id, 'tok_visa');
        return { customer, invoiceId, subscriptionId, visa };
      }

      function deliver(payload: string, signature?: string) {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (signature !== undefined) headers['Stripe-Signature'] = signature;
        return t.rest<{ received: boolean; result: string } & ErrorBody>(
          'POST',
          '/webhooks/stripe',
          {
            key: null,
            rawBody: payload,
            headers,
          },
        );
      }

      const signed = (payload: string) =>
        deliver(payload, signStripePayload(payload, WEBHOOK_SECRET));

      it('answers 502 provider_error when Stripe fails (after the SDK retries) and records no payment', async () => {
        const { invoiceId } = await openInvoiceWithCard();
        const key = `${invoiceId}:attempt-1`;
        const seen = fake.requests.length;
        fake.fail(3, 500);
        const res = await pay(invoiceId);
        const error = expectError(res, 502, 'provider_error');
        expect(error.type).toBe('provider');
        expect(res.text).not.toMatch(/sk_test|stack|at \w+ \(/);
        const sent = fake.requests.slice(seen);
        expect(sent.map((r) => [r.path, r.idempotencyKey, r.status, r.injected])).toEqual([
          ['/v1/payment_intents', key, 500, true],
          ['/v1/payment_intents', key, 500, true],
          ['/v1/payment_intents', key, 500, true],
        ]);
        expect(await payments(invoiceId)).toEqual([]);
        expect(await invoice(invoiceId)).toMatchObject({
          status: 'open',
          attempt_count: 0,
          collection_note: 'provider_error',
        });

        // Stripe is back: the same attempt (same key) collects it, charging once.
        const paid = await pay(invoiceId);
        expect(paid.status, paid.text).toBe(200);
        expect(paid.body.status).toBe('paid');
        expect(fake.chargesByKey.has(key)).toBe(true);
        expect((await payments(invoiceId)).map((payment) => payment.status)).toEqual(['succeeded']);
      });

      it('answers 504 provider_timeout on a slow Stripe; paying again never charges twice', async () => {
        const { invoiceId } = await openInvoiceWithCard();
        const key = `${invoiceId}:attempt-1`;
        const seen = fake.requests.length;
        const charges = fake.counters.charges;
        fake.delay(STRIPE_TIMEOUT_MS * 5, 3);
        const res = await pay(invoiceId);
        expect(expectError(res, 504, 'provider_timeout').type).toBe('provider');
        expect(await payments(invoiceId)).toEqual([]);
        expect(await invoice(invoiceId)).toMatchObject({
          status: 'open',
          attempt_count: 0,
          collection_note: 'provider_timeout',
        });
        // Stripe did charge the card; Ledger never heard back.
        expect(fake.counters.charges).toBe(charges + 1);

        const paid = await pay(invoiceId);
        expect(paid.status, paid.text).toBe(200);
        expect(paid.body.status).toBe('paid');
        const sent = fake.requests.slice(seen);
        expect(
          sent.every((r) => r.path === '/v1/payment_intents' && r.idempotencyKey === key),
        ).toBe(true);
        expect(sent.map((r) => r.replayed)).toEqual([false, ...sent.slice(1).map(() => true)]);
        expect(fake.counters.charges).toBe(charges + 1);
        const intent = fake.intentForKey(key);
        expect(fake.intents().filter((i) => i.metadata.ledger_invoice_id === invoiceId)).toEqual([
          intent,
        ]);
        const list = await payments(invoiceId);
        expect(list).toHaveLength(1);
        expect(list[0]).toMatchObject({ status: 'succeeded', processor_ref: intent?.id });
      });

      it('finalizes during an outage: 200 with the open invoice, charged by the billing job once Stripe is back', async () => {
        const customer = await newCustomer();
        const visa = await card(customer.id, 'tok_visa');
        const { invoiceId } = await draftInvoice(customer.id);
        fake.fail(3, 500);
        const finalized = await finalize(invoiceId);
        expect(finalized).toMatchObject({
          status: 'open',
          collection_note: 'provider_error',
          attempt_count: 0,
        });
        expect(finalized).toHaveProperty('number', expect.stringMatching(/^INV-/));
        expect(await payments(invoiceId)).toEqual([]);
        // The billing job tries the same attempt again an hour later.
        time.advance(61 * 60_000);
        const report = await t.server.ledger.billing.runDue();
        expect(report.retried).toBeGreaterThanOrEqual(1);
        expect(await invoice(invoiceId)).toMatchObject({ status: 'paid', attempt_count: 1 });
        const list = await payments(invoiceId);
        expect(list).toHaveLength(1);
        expect(list[0]).toMatchObject({ status: 'succeeded', payment_method_id: visa.id });
        expect(fake.chargesByKey.has(`${invoiceId}:attempt-1`)).toBe(true);
      });

      it('refuses a pm_ already attached to another customer as invalid_token (400), not an outage', async () => {
        const first = await newCustomer();
        const attached = await t
          .client()
          .customer.paymentMethods.add.mutate({ customerId: first.id, token: 'tok_visa' });
        const second = await newCustomer();
        const res = await t.rest<ErrorBody>(
          'POST',
          `/ledger/customers/${second.id}/payment-methods`,
          {
            body: { token: attached.processorId },
          },
        );
        expect(res.status, res.text).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'invalid_token', param: 'token' });
        expect(res.body.error.message).toContain('already attached');
      });

      it('applies a timed-out decline from payment_intent.payment_failed: past_due, next retry scheduled', async () => {
        const customer = await newCustomer();
        const { invoiceId } = await draftInvoice(customer.id);
        expect((await finalize(invoiceId)).status).toBe('open');
        await card(customer.id, 'tok_chargeCustomerFail');
        fake.delay(STRIPE_TIMEOUT_MS * 5, 3);
        expectError(await pay(invoiceId), 504, 'provider_timeout');
        const intent = fake.intentForKey(`${invoiceId}:attempt-1`);
        expect(intent?.last_payment_error).not.toBeNull();

        const applied = await signed(stripeEvent('payment_intent.payment_failed', intent));
        expect(applied.body).toEqual({ received: true, result: 'applied' });
        const after = await invoice(invoiceId);
        expect(after).toMatchObject({
          status: 'past_due',
          attempt_count: 1,
          collection_note: 'card_declined',
        });
        expect(after.next_payment_attempt).not.toBeNull();
        expect((await payments(invoiceId)).map((p) => [p.status, p.failure_code])).toEqual([
          ['failed', 'card_declined'],
        ]);
        // The next attempt is a new charge (a new key), not a replay of the declined one.
        expectError(await pay(invoiceId), 402, 'card_declined');
        expect(fake.intentForKey(`${invoiceId}:attempt-2`)).toBeDefined();
        expect(await payments(invoiceId)).toHaveLength(2);
      });

      it('completes a timed-out charge from payment_intent.succeeded, once however often it arrives', async () => {
        const { customer, invoiceId, subscriptionId, visa } = await openInvoiceWithCard();
        fake.delay(STRIPE_TIMEOUT_MS * 5, 3);
        expectError(await pay(invoiceId), 504, 'provider_timeout');
        const intent = fake.intentForKey(`${invoiceId}:attempt-1`);
        expect(intent?.status).toBe('succeeded');

        const payload = stripeEvent('payment_intent.succeeded', intent);
        const first = await signed(payload);
        expect(first.status, first.text).toBe(200);
        expect(first.body).toEqual({ received: true, result: 'applied' });
        expect(await invoice(invoiceId)).toMatchObject({ status: 'paid', collection_note: null });
        const again = await signed(payload);
        expect(again.status, again.text).toBe(200);
        expect(again.body).toEqual({ received: true, result: 'duplicate' });

        const list = await payments(invoiceId);
        expect(list).toHaveLength(1);
        expect(list[0]).toMatchObject({
          status: 'succeeded',
          processor: 'stripe',
          processor_ref: intent?.id,
          customer_id: customer.id,
          payment_method_id: visa.id,
        });
        const types = (await eventsOf(t, customer.id)).map((event) => event.type);
        expect(types.filter((type) => type === 'payment.succeeded')).toHaveLength(1);
        expect(types.filter((type) => type === 'invoice.paid')).toHaveLength(1);
        expect(await subscriptionStatus(subscriptionId)).toBe('active');
      });

      it('records an amount Stripe refuses (amount_too_small) as a failed payment: past_due, no 502', async () => {
        const plan = await monthlyPlan(t, 'tiny', 30, { name: 'Tiny' });
        const customer = await newCustomer();
        const visa = await card(customer.id, 'tok_visa');
        const { invoiceId, subscriptionId } = await draftInvoice(customer.id, plan.id);
        const key = `${invoiceId}:attempt-1`;
        const finalized = await finalize(invoiceId);
        expect(finalized.amount_due.amount).toBeLessThan(50);
        expect(finalized).toMatchObject({
          status: 'past_due',
          collection_note: 'amount_too_small',
          attempt_count: 1,
          // The normal retry schedule, not the hourly repeat of an outage.
          next_payment_attempt: new Date(time.now.getTime() + DAY).toISOString(),
        });
        const list = await payments(invoiceId);
        expect(list).toHaveLength(1);
        expect(list[0]).toMatchObject({
          status: 'failed',
          failure_code: 'amount_too_small',
          failure_message: 'Amount must be at least $0.50 usd',
          payment_method_id: visa.id,
          processor: 'stripe',
          processor_ref: null,
        });
        expect(await subscriptionStatus(subscriptionId)).toBe('past_due');
        // Stripe refused the request; no PaymentIntent exists, nothing was charged.
        expect(fake.requests.filter((r) => r.idempotencyKey === key).map((r) => r.status)).toEqual([
          400,
        ]);
        expect(fake.intentForKey(key)).toBeUndefined();

        // Paying by hand is a refused payment (402) with Stripe's code, never a 502.
        const retried = await pay(invoiceId);
        expect(retried.status, retried.text).toBe(402);
        expect(retried.body.error.details).toMatchObject({ decline_code: 'amount_too_small' });
        expect(await invoice(invoiceId)).toMatchObject({ status: 'past_due', attempt_count: 2 });
      });

      it('answers 504 for a processing PaymentIntent, records no failure, and pays from the same one later', async () => {
        const { invoiceId } = await openInvoiceWithCard();
        const key = `${invoiceId}:attempt-1`;
        const charges = fake.counters.charges;
        fake.processNext();
        const res = await pay(invoiceId);
        expect(expectError(res, 504, 'provider_timeout').type).toBe('provider');
        const intent = fake.intentForKey(key);
        expect(intent?.status).toBe('processing');
        expect(await payments(invoiceId)).toEqual([]);
        expect(await invoice(invoiceId)).toMatchObject({
          status: 'open',
          attempt_count: 0,
          collection_note: 'provider_timeout',
        });

        // Still processing an hour later: the billing job asks again (same key), still no outcome.
        time.advance(61 * 60_000);
        await t.server.ledger.billing.runDue();
        expect(await payments(invoiceId)).toEqual([]);
        expect(await invoice(invoiceId)).toMatchObject({ status: 'open', attempt_count: 0 });

        // The bank confirms it; paying again reads the same PaymentIntent, charged once.
        fake.settle(intent?.id ?? '');
        const paid = await pay(invoiceId);
        expect(paid.status, paid.text).toBe(200);
        expect(paid.body).toMatchObject({ status: 'paid', attempt_count: 1 });
        const list = await payments(invoiceId);
        expect(list).toHaveLength(1);
        expect(list[0]).toMatchObject({ status: 'succeeded', processor_ref: intent?.id });
        expect(fake.intents().filter((i) => i.metadata.ledger_invoice_id === invoiceId)).toEqual([
          intent,
        ]);
        expect(
          fake.requests.filter((r) => r.method === 'POST' && r.idempotencyKey !== null).at(-1),
        ).toMatchObject({ idempotencyKey: key, replayed: true });
        expect(fake.counters.charges).toBe(charges + 1);
      });

      it('settles a processing PaymentIntent from payment_intent.succeeded meanwhile', async () => {
        const customer = await newCustomer();
        await card(customer.id, 'tok_visa');
        const { invoiceId } = await draftInvoice(customer.id);
        fake.processNext();
        expect(await finalize(invoiceId)).toMatchObject({
          status: 'open',
          collection_note: 'provider_timeout',
          attempt_count: 0,
        });
        const intent = fake.settle(fake.intentForKey(`${invoiceId}:attempt-1`)?.id ?? '');
        const res = await signed(stripeEvent('payment_intent.succeeded', intent));
        expect(res.body).toEqual({ received: true, result: 'applied' });
        expect(await invoice(invoiceId)).toMatchObject({ status: 'paid', collection_note: null });
        time.advance(61 * 60_000);
        await t.server.ledger.billing.runDue();
        const list = await payments(invoiceId);
        expect(list).toHaveLength(1);
        expect(list[0]).toMatchObject({ status: 'succeeded', processor_ref: intent.id });
      });

      it('refuses a forged, stale or missing signature with 400 and applies nothing', async () => {
        const customer = await newCustomer();
        const { invoiceId } = await draftInvoice(customer.id);
        await card(customer.id, 'tok_visa');
        expect((await finalize(invoiceId)).status).toBe('paid');
        const [payment] = await payments(invoiceId);
        const intent = fake.intents().find((i) => i.id === payment?.processor_ref);
        const payload = stripeEvent('charge.refunded', {
          id: intent?.latest_charge,
          object: 'charge',
          amount_refunded: intent?.amount,
          refunded: true,
          payment_intent: intent?.id,
        });
        const forged = await deliver(payload, signStripePayload(payload, 'whsec_forged'));
        expect(expectError(forged, 400, 'invalid_signature').type).toBe('validation');
        const stale = await deliver(
          payload,
          signStripePayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 600),
        );
        expectError(stale, 400, 'invalid_signature');
        expectError(await deliver(payload), 400, 'invalid_signature');
        const tampered = payload.replace('"refunded":true', '"refunded":false');
        expectError(
          await deliver(tampered, signStripePayload(payload, WEBHOOK_SECRET)),
          400,
          'invalid_signature',
        );
        expect((await payments(invoiceId)).map((p) => p.status)).toEqual(['succeeded']);

        // The genuine delivery is applied: the payment is refunded.
        const genuine = await signed(payload);
        expect(genuine.body).toEqual({ received: true, result: 'applied' });
        expect((await payments(invoiceId)).map((p) => p.status)).toEqual(['refunded']);
        expect((await eventsOf(t, customer.id)).map((event) => event.type)).toContain(
          'payment.refunded',
        );
        expect((await signed(payload)).body).toEqual({ received: true, result: 'duplicate' });
      });

      it('removes a method detached at Stripe (payment_method.detached) and clears the default', async () => {
        const customer = await newCustomer();
        const visa = await card(customer.id, 'tok_visa');
        const master = await card(customer.id, 'tok_mastercard');
        const ref = await processorIdOf(visa.id);
        const detached = { ...fake.paymentMethod(ref), customer: null };
        const res = await signed(stripeEvent('payment_method.detached', detached));
        expect(res.status, res.text).toBe(200);
        expect(res.body.result).toBe('applied');
        expect((await listMethods(customer.id)).map((method) => method.id)).toEqual([master.id]);
        expect((await getCustomer(customer.id)).default_payment_method).toBeNull();
        const log = await eventsOf(t, customer.id);
        expect(ofType(log, 'customer.payment_method.removed')).toHaveLength(1);
        expect(ofType(log, 'customer.updated').at(-1)?.previousAttributes).toEqual({
          defaultPaymentMethod: visa.id,
        });
      });

      it('acknowledges events Ledger does not act on', async () => {
        const res = await signed(
          stripeEvent('customer.created', { id: 'cus_x', object: 'customer' }),
        );
        expect(res.status, res.text).toBe(200);
        expect(res.body).toEqual({ received: true, result: 'ignored' });
      });
    });
  }
});
