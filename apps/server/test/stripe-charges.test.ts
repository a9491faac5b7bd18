import type { Customer, CustomerId, InvoiceId, Money } from '@ledger/domain';
import { isLedgerError } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStripeProcessor,
  type StripeProcessor,
  stripeAmount,
} from '../src/processors/stripe.js';
import { type FakeStripe, startFakeStripe } from './fake-stripe.js';
import { scopeA } from './support.js';

/**
 * The Stripe adapter's `charge` on its own, against the fake Stripe (no database): which of
 * Stripe's answers are failed charges, which are outages, and the amounts it sends.
 */

describe('stripeAmount', () => {
  it.each([
    [{ amount: 4999, currency: 'USD' }, 4999],
    [{ amount: 500, currency: 'JPY' }, 500],
    [{ amount: 500, currency: 'ISK' }, 50_000],
    [{ amount: 1000, currency: 'UGX' }, 100_000],
    [{ amount: 1250, currency: 'KWD' }, 1250],
    [{ amount: 1255, currency: 'KWD' }, 1255],
    [{ amount: 12_345, currency: 'HUF' }, 12_345],
  ] satisfies Array<[Money, number]>)('%o goes to Stripe as %i', (money, expected) => {
    expect(stripeAmount(money)).toBe(expected);
  });
});

describe('Stripe charges against the fake Stripe', () => {
  let fake: FakeStripe;
  let stripe: StripeProcessor;
  let seq = 0;

  beforeAll(async () => {
    fake = await startFakeStripe();
    stripe = createStripeProcessor({
      secretKey: 'sk_test_x',
      apiBase: fake.url,
      timeoutMs: 2_000,
      maxNetworkRetries: 0,
    });
  });
  afterAll(async () => {
    await fake?.close();
  });

  function customer(): Customer {
    seq++;
    const at = new Date('2026-03-02T09:00:00.000Z');
    return {
      id: `cus_${seq}` as CustomerId,
      tenantId: scopeA.tenantId,
      appId: scopeA.appId,
      name: `Payer ${seq}`,
      email: `payer-${seq}@example.com`,
      billingAddress: null,
      defaultPaymentMethod: null,
      balance: { amount: 0, currency: 'USD' },
      currency: 'USD',
      taxIds: [],
      taxExempt: 'none',
      metadata: {},
      status: 'active',
      createdAt: at,
      updatedAt: at,
      deletedAt: null,
      erasedAt: null,
    };
  }

  /** A Stripe customer with a card from `token`, and a charge of it under a fresh key. */
  async function payer(token = 'tok_visa') {
    const owner = customer();
    const processorCustomerId = await stripe.createCustomer({ scope: scopeA, customer: owner });
    const method = await stripe.attachPaymentMethod({ scope: scopeA, processorCustomerId, token });
    const invoiceId = `inv_${seq}` as InvoiceId;
    const charge = (amount: Money, attempt = 1) =>
      stripe.charge({
        scope: scopeA,
        customer: owner,
        processorCustomerId,
        paymentMethodProcessorId: method.processorId,
        paymentMethodId: `pm_ledger_${seq}`,
        amount,
        invoiceId,
        idempotencyKey: `${invoiceId}:attempt-${attempt}`,
      });
    const refund = (processorRef: string, key: string) =>
      stripe.refund({ scope: scopeA, processorRef, invoiceId, idempotencyKey: key });
    return { charge, refund, invoiceId, key: (attempt = 1) => `${invoiceId}:attempt-${attempt}` };
  }

  async function failure(promise: Promise<unknown>) {
    return promise.then(
      () => {
        throw new Error('expected the charge to throw');
      },
      (error: unknown) => error,
    );
  }

  it('sends ISK and UGX ×100 and other currencies as they are', async () => {
    const { charge, key } = await payer();
    const cases: Array<[Money, number]> = [
      [{ amount: 500, currency: 'ISK' }, 50_000],
      [{ amount: 1000, currency: 'UGX' }, 100_000],
      [{ amount: 500, currency: 'JPY' }, 500],
      [{ amount: 1250, currency: 'KWD' }, 1250],
    ];
    for (const [n, [money, sent]] of cases.entries()) {
      const outcome = await charge(money, n + 1);
      expect(outcome, money.currency).toMatchObject({ status: 'succeeded' });
      expect(fake.intentForKey(key(n + 1)), money.currency).toMatchObject({
        amount: sent,
        currency: money.currency.toLowerCase(),
        status: 'succeeded',
      });
    }
  });

  it('records an amount Stripe refuses as a failed charge with its code, not an outage', async () => {
    const { charge, key } = await payer();
    const charges = fake.counters.charges;
    expect(await charge({ amount: 30, currency: 'USD' })).toEqual({
      status: 'failed',
      processor: 'stripe',
      processorRef: null,
      code: 'amount_too_small',
      message: 'Amount must be at least $0.50 usd',
    });
    // A refusal without a code of Stripe's reads `invalid_request`.
    expect(await charge({ amount: 1255, currency: 'KWD' }, 2)).toMatchObject({
      status: 'failed',
      processorRef: null,
      code: 'invalid_request',
    });
    expect(fake.intentForKey(key(1))).toBeUndefined();
    expect(fake.counters.charges).toBe(charges);
  });

  it('keeps declines as failed charges with the issuer’s code and the PaymentIntent', async () => {
    const { charge, key } = await payer('tok_chargeCustomerFail');
    const outcome = await charge({ amount: 2000, currency: 'USD' });
    expect(outcome).toMatchObject({ status: 'failed', code: 'card_declined' });
    expect(outcome.processorRef).toBe(fake.intentForKey(key())?.id);
  });

  it('keeps outages, refused keys and rate limits as provider errors (no attempt recorded)', async () => {
    const { charge } = await payer();
    for (const status of [500, 503, 409, 429, 401, 403]) {
      fake.fail(1, status);
      const error = await failure(charge({ amount: 2000, currency: 'USD' }));
      expect(isLedgerError(error, 'provider_error'), `${status}: ${String(error)}`).toBe(true);
    }
  });

  it('answers a processing PaymentIntent with provider_timeout, then its state on the same key', async () => {
    const { charge, key } = await payer();
    const charges = fake.counters.charges;
    fake.processNext();
    const first = await failure(charge({ amount: 2000, currency: 'USD' }));
    expect(isLedgerError(first, 'provider_timeout'), String(first)).toBe(true);
    const intent = fake.intentForKey(key());
    expect(intent?.status).toBe('processing');
    expect(first).toMatchObject({ details: { payment_intent: intent?.id } });

    // Still processing: the same key is replayed and the intent read again, still no outcome.
    const again = await failure(charge({ amount: 2000, currency: 'USD' }));
    expect(isLedgerError(again, 'provider_timeout')).toBe(true);

    fake.settle(intent?.id ?? '');
    const seen = fake.requests.length;
    expect(await charge({ amount: 2000, currency: 'USD' })).toEqual({
      status: 'succeeded',
      processor: 'stripe',
      processorRef: intent?.id,
    });
    expect(fake.requests.slice(seen).map((r) => [r.method, r.path, r.replayed])).toEqual([
      ['POST', '/v1/payment_intents', true],
      ['GET', `/v1/payment_intents/${intent?.id}`, false],
    ]);
    expect(fake.intents().filter((i) => i.id === intent?.id)).toHaveLength(1);
    expect(fake.counters.charges).toBe(charges + 1);
  });

  it('answers a processing PaymentIntent that was then declined as a failed charge of it', async () => {
    const { charge, key } = await payer();
    fake.processNext();
    const first = await failure(charge({ amount: 2000, currency: 'USD' }));
    expect(isLedgerError(first, 'provider_timeout')).toBe(true);
    const intent = fake.intentForKey(key());
    fake.settle(intent?.id ?? '', 'failed');
    expect(await charge({ amount: 2000, currency: 'USD' })).toEqual({
      status: 'failed',
      processor: 'stripe',
      processorRef: intent?.id,
      code: 'card_declined',
      message: 'Your card was declined.',
    });
  });

  it('refunds a charge in full, once per key; a charge refunded already counts as done', async () => {
    const { charge, refund, invoiceId } = await payer();
    const outcome = await charge({ amount: 2000, currency: 'USD' });
    if (outcome.status !== 'succeeded') throw new Error('expected a charge');
    expect(fake.heldFor(invoiceId)).toBe(2000);

    await refund(outcome.processorRef, 'pay_1:refund');
    await refund(outcome.processorRef, 'pay_1:refund'); // a replay: nothing more is refunded
    expect(fake.heldFor(invoiceId)).toBe(0);
    expect(fake.refunds().filter((r) => r.payment_intent === outcome.processorRef)).toEqual([
      expect.objectContaining({
        amount: 2000,
        metadata: {
          ledger_tenant_id: scopeA.tenantId,
          ledger_app_id: scopeA.appId,
          ledger_invoice_id: invoiceId,
        },
      }),
    ]);
    // Another key for the same charge (refunded by hand, say): Stripe refuses, and that is done.
    await expect(refund(outcome.processorRef, 'other:refund')).resolves.toBeUndefined();
  });

  it('keeps a refund Stripe cannot make now as a provider error, to be tried again', async () => {
    const { charge, refund } = await payer();
    const outcome = await charge({ amount: 2000, currency: 'USD' });
    if (outcome.status !== 'succeeded') throw new Error('expected a charge');
    fake.fail(1, 503);
    const error = await failure(refund(outcome.processorRef, 'pay_2:refund'));
    expect(isLedgerError(error, 'provider_error'), String(error)).toBe(true);
    await refund(outcome.processorRef, 'pay_2:refund');
    expect(fake.refunds().filter((r) => r.payment_intent === outcome.processorRef)).toHaveLength(1);
  });
});
