import { loadCustomer } from '../../customer/load-customer.js';
import { isLedgerError } from '../../errors.js';
import { recordCustomerEvent } from '../../events/record-event.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { loadInvoice } from '../load.js';
import type { Invoice, InvoiceId, Payment } from '../model.js';
import { addDays } from '../periods.js';
import type { ChargeOutcome } from '../ports.js';
import { refundQuietly } from './refund-payment.js';

/**
 * A charge answered after its invoice changed (voided once the charge lease had run out, or
 * settled by another attempt): the payment is recorded as it happened, and money taken for an
 * invoice that is no longer owed is to be refunded through the processor. The refund is scheduled
 * here, in the caller's transaction, and made after its commit (`refundQuietly`; the billing job
 * retries one the processor failed), so none is created, lost, or kept for nothing. Returns the
 * payment to refund, or null.
 */
export async function settleStalePayment(
  tx: StoreTx,
  ctx: ServiceContext,
  invoice: Invoice,
  payment: Payment,
): Promise<Payment | null> {
  const succeeded = payment.status === 'succeeded';
  await recordCustomerEvent(
    tx,
    ctx,
    succeeded ? 'payment.succeeded' : 'payment.failed',
    { id: invoice.customerId },
    payment,
  );
  if (!succeeded) return null;
  await tx.scheduleRefund(ctx.scope, payment.id, ctx.clock.now());
  return payment;
}

/**
 * Applies one recorded attempt to its open or past-due invoice, whoever learned of it first (the
 * charge's own answer or the processor's webhook): paid, or past_due with the next retry
 * scheduled, and no charge in flight any more; the subscription follows (active or past_due);
 * their events are written.
 */
export async function applyPaymentOutcome(
  tx: StoreTx,
  ctx: ServiceContext,
  invoice: Invoice,
  payment: Payment,
): Promise<Collection> {
  const now = ctx.clock.now();
  const owner = { id: invoice.customerId };
  const succeeded = payment.status === 'succeeded';
  const attemptCount = invoice.attemptCount + 1;
  const updated: Invoice = succeeded
    ? {
        ...invoice,
        status: 'paid',
        amountPaid: invoice.amountDue,
        paidAt: now,
        collectionNote: null,
        attemptCount,
        nextPaymentAttempt: null,
        chargeInFlightSince: null,
        updatedAt: now,
      }
    : {
        ...invoice,
        status: 'past_due',
        collectionNote: payment.failureCode,
        attemptCount,
        nextPaymentAttempt: nextAttemptAfter(now, attemptCount),
        chargeInFlightSince: null,
        updatedAt: now,
      };
  await tx.updateInvoice(ctx.scope, updated);
  await recordCustomerEvent(
    tx,
    ctx,
    succeeded ? 'payment.succeeded' : 'payment.failed',
    owner,
    payment,
  );
  await recordCustomerEvent(
    tx,
    ctx,
    succeeded ? 'invoice.paid' : 'invoice.payment_failed',
    owner,
    updated,
  );
  if (invoice.subscriptionId) {
    const subscription = await tx.getSubscription(ctx.scope, invoice.subscriptionId, {
      forUpdate: true,
    });
    const status = succeeded ? 'active' : 'past_due';
    if (
      subscription &&
      ['active', 'past_due'].includes(subscription.status) &&
      subscription.status !== status
    ) {
      const next = { ...subscription, status, updatedAt: now } as const;
      await tx.updateSubscription(ctx.scope, next);
      await recordCustomerEvent(tx, ctx, 'subscription.updated', owner, next, {
        status: subscription.status,
      });
    }
  }
  return { invoice: updated, payment };
}

/** The result of one collection attempt. */
export interface Collection {
  invoice: Invoice;
  payment: Payment | null;
}

/** After the first failed charge, three more attempts over a week (days after that failure). */
export const RETRY_SCHEDULE_DAYS = [1, 3, 7] as const;

/** After a processor outage or timeout, the billing job tries the same attempt again this much later. */
export const PROVIDER_RETRY_MS = 60 * 60 * 1000;

/**
 * When to try again after `attempts` failed charges, the latest at `failedAt`, or null when the
 * schedule is used up. The schedule counts from the first failure, so each wait is the step to the
 * next entry (1, 2 and 4 days): attempts land 1, 3 and 7 days after that failure.
 */
export function nextAttemptAfter(failedAt: Date, attempts: number): Date | null {
  const days = RETRY_SCHEDULE_DAYS[attempts - 1];
  if (days === undefined) return null;
  return addDays(failedAt, days - (RETRY_SCHEDULE_DAYS[attempts - 2] ?? 0));
}

/** Whether `current` still awaits the attempt `prepared` made (collectible, no outcome since). */
function isSameAttempt(current: Invoice, prepared: Invoice): boolean {
  return (
    ['open', 'past_due'].includes(current.status) && current.attemptCount === prepared.attemptCount
  );
}

/**
 * Under the invoice's row lock: nothing to charge unless it is still open or past due (a void
 * that committed first is seen here), else the charge is marked in flight and committed before
 * the processor is called, so a void racing it sees the mark and refuses.
 */
async function prepare(ctx: ServiceContext, id: InvoiceId) {
  return inTransaction(ctx, async (tx) => {
    const invoice = await loadInvoice(tx, ctx, id, { forUpdate: true });
    if (!['open', 'past_due'].includes(invoice.status) || invoice.amountDue.amount <= 0)
      return { invoice, charge: null };
    const customer = await loadCustomer(tx, ctx, invoice.customerId);
    const method = customer.defaultPaymentMethod
      ? await tx.getPaymentMethod(ctx.scope, customer.defaultPaymentMethod)
      : null;
    const live = method && method.removedAt === null ? method : null;
    const note = !ctx.payments.processor ? 'no_processor' : !live ? 'no_payment_method' : null;
    if (note || !live) {
      // Nothing to retry until a method or processor exists: `pay` collects it then.
      const updated = {
        ...invoice,
        collectionNote: note,
        nextPaymentAttempt: null,
        updatedAt: ctx.clock.now(),
      };
      await tx.updateInvoice(ctx.scope, updated);
      return { invoice: updated, charge: null };
    }
    const processorCustomerId = await tx.getProcessorCustomer(
      ctx.scope,
      customer.id,
      live.processor,
    );
    // A mark left by an earlier try of this attempt (an outage) is taken over: same key.
    const now = ctx.clock.now();
    const marked: Invoice = { ...invoice, chargeInFlightSince: now, updatedAt: now };
    await tx.updateInvoice(ctx.scope, marked);
    return { invoice: marked, charge: { customer, method: live, processorCustomerId } };
  });
}

/**
 * Tries to collect an open or past-due invoice from the customer's default payment method: the
 * one path of finalize, `pay` and the billing job. The charge is first marked in flight
 * (`chargeInFlightSince`, committed), then runs outside any transaction (a processor call must not
 * hold database locks) with an idempotency key per invoice attempt: a processor outage records no
 * attempt, so the retry reuses the key and can never charge twice. The outcome is then recorded
 * and the mark cleared in one transaction: a payment row, the invoice `paid` or `past_due` (with
 * the next retry scheduled), the subscription's status, and their events. After an outage the
 * outcome is unknown (the charge may still land), so the mark stays until a retry or the
 * processor's webhook settles it, or its lease runs out. Without a method or processor the
 * invoice stays open with the reason in `collectionNote`.
 */
export async function collectInvoice(ctx: ServiceContext, id: InvoiceId): Promise<Collection> {
  const { invoice, charge } = await prepare(ctx, id);
  if (!charge) return { invoice, payment: null };
  let outcome: ChargeOutcome;
  try {
    outcome = await ctx.payments.charge({
      scope: ctx.scope,
      customer: charge.customer,
      processorCustomerId: charge.processorCustomerId,
      paymentMethodProcessorId: charge.method.processorId,
      paymentMethodId: charge.method.id,
      amount: invoice.amountDue,
      invoiceId: invoice.id,
      idempotencyKey: `${invoice.id}:attempt-${invoice.attemptCount + 1}`,
    });
  } catch (error) {
    if (isLedgerError(error, 'provider_error') || isLedgerError(error, 'provider_timeout')) {
      await inTransaction(ctx, async (tx) => {
        const current = await loadInvoice(tx, ctx, id, { forUpdate: true });
        // Settled meanwhile (its webhook, another try of the same key): nothing to reschedule.
        if (!isSameAttempt(current, invoice)) return;
        const now = ctx.clock.now();
        // No attempt was recorded, so the retry reuses this attempt's idempotency key.
        await tx.updateInvoice(ctx.scope, {
          ...current,
          collectionNote: error.code,
          nextPaymentAttempt: new Date(now.getTime() + PROVIDER_RETRY_MS),
          updatedAt: now,
        });
      });
    }
    throw error;
  }
  const { refund, ...collection } = await inTransaction(ctx, async (tx) => {
    const current = await loadInvoice(tx, ctx, id, { forUpdate: true });
    const now = ctx.clock.now();
    const succeeded = outcome.status === 'succeeded';
    const payment: Payment = {
      id: ctx.ids.newId('payment'),
      invoiceId: id,
      customerId: current.customerId,
      amount: current.amountDue,
      status: succeeded ? 'succeeded' : 'failed',
      paymentMethodId: charge.method.id,
      processor: outcome.processor,
      processorRef: outcome.processorRef,
      failureCode: outcome.status === 'failed' ? outcome.code : null,
      failureMessage: outcome.status === 'failed' ? outcome.message : null,
      createdAt: now,
    };
    if (!(await tx.insertPayment(ctx.scope, payment))) {
      // The same charge was recorded already (its webhook, or a concurrent collection with the
      // same attempt key): it is one payment, and the invoice already reflects it.
      const recorded = outcome.processorRef
        ? await tx.findPaymentByProcessorRef(outcome.processor, outcome.processorRef)
        : null;
      return { invoice: current, payment: recorded?.payment ?? null, refund: null };
    }
    if (!isSameAttempt(current, invoice)) {
      const refund = await settleStalePayment(tx, ctx, current, payment);
      return { invoice: current, payment, refund };
    }
    return { ...(await applyPaymentOutcome(tx, ctx, current, payment)), refund: null };
  });
  if (refund) await refundQuietly(ctx, refund);
  return collection;
}

/**
 * Collects after a commit without failing the caller: a decline is recorded on the invoice, a
 * processor outage has rescheduled the attempt (`PROVIDER_RETRY_MS`), anything else is logged.
 */
export async function collectQuietly(
  ctx: ServiceContext,
  id: InvoiceId,
): Promise<Collection | null> {
  try {
    return await collectInvoice(ctx, id);
  } catch (error) {
    if (!isLedgerError(error, 'provider_error') && !isLedgerError(error, 'provider_timeout')) {
      ctx.logger.error('collecting an invoice failed', { invoiceId: id, error });
    }
    return null;
  }
}
