import { describe, expect, it } from 'vitest';
import type { Customer } from '../../customer/model.js';
import { noBillingGuards, typeIdGenerator } from '../../defaults.js';
import { isLedgerError, LedgerError } from '../../errors.js';
import { noEventHandlers } from '../../events/dispatcher.js';
import type { LedgerEvent } from '../../events/model.js';
import { newId } from '../../ids.js';
import type { PaymentMethod } from '../../payment-method/model.js';
import { createTestProcessor } from '../../payment-method/test-processor.js';
import { portalLinksAt } from '../../portal/links.js';
import type { ServiceContext, Store, StoreTx } from '../../ports.js';
import { offlineTaxIdVerifier } from '../../tax-ids/verifier.js';
import { noWebhookSecrets } from '../../webhooks/default-ports.js';
import { builtInTax, referenceFx } from '../default-ports.js';
import type { Invoice, Payment } from '../model.js';
import type { ChargeOutcome, PaymentsPort } from '../ports.js';
import { assertNoChargeInFlight, CHARGE_LEASE_MS } from './charge-in-flight.js';
import { collectInvoice } from './collect-invoice.js';
import { REFUND_RETRY_MS } from './refund-payment.js';
import { voidInvoice } from './void-invoice.js';

/**
 * The rule that keeps a void from landing between a charge and its outcome: collecting marks the
 * charge in flight (committed) before the processor is called, and void refuses while the mark
 * holds, until the outcome clears it or its lease runs out.
 */

const scope = { tenantId: 'tenant-a', appId: 'app-a' };
const start = new Date('2026-03-01T00:00:00.000Z');

/** One open invoice of one customer with a card, in memory; what a transaction reads is a copy. */
function world() {
  const customer: Customer = {
    id: newId('customer'),
    tenantId: scope.tenantId,
    appId: scope.appId,
    name: 'Ada',
    email: 'ada@example.com',
    billingAddress: null,
    defaultPaymentMethod: null,
    balance: { amount: 0, currency: 'USD' },
    currency: 'USD',
    taxIds: [],
    taxExempt: 'none',
    metadata: {},
    status: 'active',
    createdAt: start,
    updatedAt: start,
    deletedAt: null,
    erasedAt: null,
  };
  const method: PaymentMethod = {
    id: newId('paymentMethod'),
    customerId: customer.id,
    processor: 'test',
    processorId: 'test_pm_tok_visa_0123abcd',
    type: 'card',
    card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034, country: 'US' },
    createdAt: start,
    removedAt: null,
  };
  customer.defaultPaymentMethod = method.id;
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  let invoice: Invoice = {
    id: newId('invoice'),
    number: 'INV-000001',
    customerId: customer.id,
    subscriptionId: null,
    status: 'open',
    currency: 'USD',
    lineItems: [],
    subtotal: usd(3000),
    tax: { amount: usd(0), rate: '0', jurisdiction: 'unknown', exempt: false, reason: 'none' },
    creditApplied: usd(0),
    total: usd(3000),
    amountDue: usd(3000),
    amountPaid: usd(0),
    fx: null,
    periodStart: start,
    periodEnd: start,
    dueDate: start,
    paidAt: null,
    voidedAt: null,
    collectionNote: null,
    attemptCount: 0,
    nextPaymentAttempt: null,
    chargeInFlightSince: null,
    createdAt: start,
    updatedAt: start,
  };
  const payments: Payment[] = [];
  const refundsDue = new Map<string, Date | null>();
  const events: LedgerEvent[] = [];
  const methods: Partial<StoreTx> = {
    getInvoice: async () => structuredClone(invoice),
    updateInvoice: async (_scope, next) => {
      invoice = structuredClone(next);
    },
    getCustomer: async () => structuredClone(customer),
    getPaymentMethod: async () => structuredClone(method),
    getProcessorCustomer: async () => null,
    insertPayment: async (_scope, payment) => {
      if (payments.some((p) => p.processorRef === payment.processorRef)) return false;
      payments.push(payment);
      return true;
    },
    updatePayment: async (_scope, payment) => {
      payments.splice(
        payments.findIndex((p) => p.id === payment.id),
        1,
        structuredClone(payment),
      );
    },
    findPaymentByProcessorRef: async (_processor, ref) => {
      const payment = payments.find((p) => p.processorRef === ref);
      return payment ? { scope, payment: structuredClone(payment) } : null;
    },
    scheduleRefund: async (_scope, paymentId, at) => {
      refundsDue.set(paymentId, at);
    },
    nextEventSequence: async () => events.length + 1,
    appendEvent: async (event) => {
      events.push(event);
    },
  };
  const store: Store = new Proxy({} as Store, {
    get(_target, name) {
      if (name === 'transaction') return (fn: (tx: StoreTx) => Promise<unknown>) => fn(store);
      const found = (methods as Record<string | symbol, unknown>)[name];
      if (found) return found;
      return () => {
        throw new Error(`unexpected store call ${String(name)}`);
      };
    },
  });
  let now = start;
  const context = (payments: PaymentsPort): ServiceContext => ({
    store,
    clock: { now: () => now },
    ids: typeIdGenerator,
    events: noEventHandlers,
    webhookSecrets: noWebhookSecrets,
    webhookUrls: { refusal: async () => null },
    portalLinks: portalLinksAt('http://127.0.0.1:3000'),
    guards: noBillingGuards,
    payments,
    tax: builtInTax('US'),
    fx: referenceFx,
    taxIdVerifier: offlineTaxIdVerifier,
    logger: { warn: () => {}, error: () => {} },
    scope,
  });
  return {
    context,
    invoice: () => invoice,
    payments,
    refundsDue,
    events,
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

/** The test processor, but each charge waits for the test to answer it (`answer`). */
function heldProcessor() {
  const inner = createTestProcessor();
  type Charge = Parameters<PaymentsPort['charge']>[0];
  const held: Array<{ request: Charge; resolve: (outcome: Promise<ChargeOutcome>) => void }> = [];
  let arrived: () => void = () => {};
  const port: PaymentsPort = {
    ...inner,
    charge: (request) =>
      new Promise<ChargeOutcome>((resolve) => {
        held.push({ request, resolve });
        arrived();
      }),
  };
  return {
    port,
    /** Resolves once a charge is held. */
    inCharge: () =>
      held.length > 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            arrived = resolve;
          }),
    /** Lets the held charge answer: as the test processor would, or with `outcome`. */
    answer(outcome?: () => Promise<ChargeOutcome>) {
      const next = held.shift();
      if (!next) throw new Error('no charge is held');
      next.resolve(outcome ? outcome() : inner.charge(next.request));
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (error: unknown) => (isLedgerError(error) ? error.code : String(error)),
  );
}

describe('a charge in flight holds void off', () => {
  it('refuses void (invoice_payment_in_progress) while the charge is at the processor', async () => {
    const w = world();
    const processor = heldProcessor();
    const ctx = w.context(processor.port);
    const collecting = collectInvoice(ctx, w.invoice().id);
    await processor.inCharge();

    // The mark was committed before the processor was called.
    expect(w.invoice()).toMatchObject({ status: 'open', chargeInFlightSince: start });
    const refused = await voidInvoice(ctx, { id: w.invoice().id }).catch((error: unknown) => error);
    expect(isLedgerError(refused, 'invoice_payment_in_progress')).toBe(true);
    expect(refused).toMatchObject({
      details: {
        invoice_id: w.invoice().id,
        charge_in_flight_since: start.toISOString(),
        retry_after: new Date(start.getTime() + CHARGE_LEASE_MS).toISOString(),
      },
    });
    expect(w.invoice().status).toBe('open');

    processor.answer();
    const { invoice } = await collecting;
    expect(invoice).toMatchObject({ status: 'paid', chargeInFlightSince: null });
    expect(w.payments.map((p) => p.status)).toEqual(['succeeded']);
    // Settled: the invoice is paid, so void now refuses for its status, not for a charge.
    expect(await codeOf(voidInvoice(ctx, { id: invoice.id }))).toBe('invalid_state');
  });

  it('clears the mark with a decline, so nothing is in flight on the past-due invoice', async () => {
    const w = world();
    const processor = heldProcessor();
    const collecting = collectInvoice(w.context(processor.port), w.invoice().id);
    await processor.inCharge();
    processor.answer(async () => ({
      status: 'failed',
      processor: 'test',
      processorRef: 'test_pi_declined',
      code: 'card_declined',
      message: 'Your card was declined.',
    }));
    expect((await collecting).invoice).toMatchObject({
      status: 'past_due',
      attemptCount: 1,
      chargeInFlightSince: null,
    });
  });

  it('voids an open invoice with no charge marked, and then charges nothing', async () => {
    const w = world();
    const processor = heldProcessor();
    const ctx = w.context(processor.port);
    expect((await voidInvoice(ctx, { id: w.invoice().id })).status).toBe('void');
    // The collection checks the status under the same lock before marking: nothing to charge.
    expect(await collectInvoice(ctx, w.invoice().id)).toEqual({
      invoice: w.invoice(),
      payment: null,
    });
    expect(w.payments).toEqual([]);
  });

  it('keeps the mark after an outage (the charge may still land) until its lease runs out', async () => {
    const w = world();
    const processor = heldProcessor();
    const ctx = w.context(processor.port);
    const collecting = codeOf(collectInvoice(ctx, w.invoice().id));
    await processor.inCharge();
    processor.answer(async () => {
      throw new LedgerError('provider_timeout', 'The payment processor did not answer in time');
    });
    expect(await collecting).toBe('provider_timeout');
    expect(w.invoice()).toMatchObject({
      status: 'open',
      collectionNote: 'provider_timeout',
      chargeInFlightSince: start,
    });

    w.advance(CHARGE_LEASE_MS - 1);
    expect(await codeOf(voidInvoice(ctx, { id: w.invoice().id }))).toBe(
      'invoice_payment_in_progress',
    );
    w.advance(1);
    const voided = await voidInvoice(ctx, { id: w.invoice().id });
    expect(voided).toMatchObject({ status: 'void', chargeInFlightSince: null });
  });

  it('a retry of the same attempt takes the mark over with the same idempotency key', async () => {
    const w = world();
    const keys: string[] = [];
    const inner = createTestProcessor();
    let fail = true;
    const port: PaymentsPort = {
      ...inner,
      async charge(request) {
        keys.push(request.idempotencyKey);
        if (fail) {
          fail = false;
          throw new LedgerError('provider_error', 'The payment processor failed');
        }
        return inner.charge(request);
      },
    };
    const ctx = w.context(port);
    expect(await codeOf(collectInvoice(ctx, w.invoice().id))).toBe('provider_error');
    w.advance(60_000);
    expect((await collectInvoice(ctx, w.invoice().id)).invoice).toMatchObject({
      status: 'paid',
      chargeInFlightSince: null,
    });
    expect(keys).toEqual([`${w.invoice().id}:attempt-1`, `${w.invoice().id}:attempt-1`]);
  });
});

describe('a charge that outlives its lease', () => {
  it('lets void through, and the late charge is refunded through the processor, not credited', async () => {
    const w = world();
    const processor = heldProcessor();
    const refunds: string[] = [];
    const port: PaymentsPort = {
      ...processor.port,
      refund: async (request) => {
        refunds.push(request.idempotencyKey);
      },
    };
    const ctx = w.context(port);
    const collecting = collectInvoice(ctx, w.invoice().id);
    await processor.inCharge();
    w.advance(CHARGE_LEASE_MS);
    expect(await voidInvoice(ctx, { id: w.invoice().id })).toMatchObject({
      status: 'void',
      chargeInFlightSince: null,
    });

    processor.answer();
    const { invoice, payment } = await collecting;
    expect(invoice.status).toBe('void');
    expect(w.payments).toEqual([expect.objectContaining({ id: payment?.id, status: 'refunded' })]);
    expect(refunds).toEqual([`${payment?.id}:refund`]);
    expect(w.refundsDue.get(payment?.id ?? '')).toBeNull();
    // No balance was touched (the store would have refused the call), and the events say it all.
    expect(w.events.map((event) => event.type)).toEqual([
      'invoice.voided',
      'payment.succeeded',
      'payment.refunded',
    ]);
  });

  it('keeps the refund due when the processor fails it, for the billing job to retry', async () => {
    const w = world();
    const processor = heldProcessor();
    const port: PaymentsPort = {
      ...processor.port,
      refund: async () => {
        throw new LedgerError('provider_error', 'The payment processor failed');
      },
    };
    const ctx = w.context(port);
    const collecting = collectInvoice(ctx, w.invoice().id);
    await processor.inCharge();
    w.advance(CHARGE_LEASE_MS);
    await voidInvoice(ctx, { id: w.invoice().id });
    processor.answer();
    const { payment } = await collecting;
    expect(w.payments.map((p) => p.status)).toEqual(['succeeded']);
    expect(w.refundsDue.get(payment?.id ?? '')).toEqual(
      new Date(w.now().getTime() + REFUND_RETRY_MS),
    );
  });
});

describe('assertNoChargeInFlight', () => {
  const base = world().invoice();
  const since = new Date('2026-03-01T12:00:00.000Z');
  const marked: Invoice = { ...base, chargeInFlightSince: since };
  const at = (ms: number) => new Date(since.getTime() + ms);

  it('passes with no mark', () => {
    expect(() => assertNoChargeInFlight(base, since, 'void an invoice')).not.toThrow();
  });

  it('refuses from the mark until the lease ends, and passes from then on', () => {
    for (const ms of [0, 1, CHARGE_LEASE_MS - 1]) {
      expect(() => assertNoChargeInFlight(marked, at(ms), 'void an invoice'), String(ms)).toThrow(
        /in flight/,
      );
    }
    for (const ms of [CHARGE_LEASE_MS, CHARGE_LEASE_MS + 1]) {
      expect(() => assertNoChargeInFlight(marked, at(ms), 'void an invoice')).not.toThrow();
    }
  });
});
