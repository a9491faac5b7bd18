import { applyPaymentOutcome, settleStalePayment } from '../billing/invoice/collect-invoice.js';
import { refundQuietly } from '../billing/invoice/refund-payment.js';
import type { Invoice, InvoiceId, Payment } from '../billing/model.js';
import type { SystemContext } from '../billing/run-due.js';
import { recordCustomerEvent } from '../events/record-event.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { Scope } from '../scope.js';
import { inTransaction } from '../transaction.js';
import type { ProcessorEvent } from './processor-event.js';

/** What applying an event did. */
export type ProcessorEventResult = 'applied' | 'duplicate' | 'ignored';

async function scopeOf(ctx: SystemContext, event: ProcessorEvent): Promise<Scope | null> {
  if (event.kind === 'method_detached') {
    return (
      (await ctx.store.findPaymentMethodByProcessorId(event.processor, event.methodRef))?.scope ??
      null
    );
  }
  const found = await ctx.store.findPaymentByProcessorRef(event.processor, event.paymentRef);
  if (found) return found.scope;
  return 'origin' in event ? (event.origin?.scope ?? null) : null;
}

/** Settles a charge from the processor's word; returns a payment to refund (not owed), or null. */
async function settle(
  tx: StoreTx,
  ctx: ServiceContext,
  event: Extract<ProcessorEvent, { kind: 'payment_succeeded' | 'payment_failed' }>,
): Promise<Payment | null> {
  const succeeded = event.kind === 'payment_succeeded';
  const found = await tx.findPaymentByProcessorRef(event.processor, event.paymentRef);
  const invoiceId = (found?.payment.invoiceId ?? event.origin?.invoiceId) as InvoiceId | undefined;
  const invoice = invoiceId ? await tx.getInvoice(ctx.scope, invoiceId, { forUpdate: true }) : null;
  if (!invoice) return null;
  const now = ctx.clock.now();
  const owner = { id: invoice.customerId };
  const payment: Payment | null = found?.payment ?? null;
  if (!payment) {
    // Our own charge call never heard back (a timeout): the processor's word completes the record,
    // with the same effect the answer would have had.
    const recorded: Payment = {
      id: ctx.ids.newId('payment'),
      invoiceId: invoice.id,
      customerId: invoice.customerId,
      amount: invoice.amountDue,
      status: succeeded ? 'succeeded' : 'failed',
      paymentMethodId: event.origin?.paymentMethodId ?? null,
      processor: event.processor,
      processorRef: event.paymentRef,
      failureCode: succeeded ? null : (event.failureCode ?? 'card_declined'),
      failureMessage: succeeded ? null : (event.failureMessage ?? null),
      createdAt: now,
    };
    // Not inserted: the charge's own answer recorded it meanwhile (one charge, one payment).
    if (!(await tx.insertPayment(ctx.scope, recorded))) return null;
    if (!['open', 'past_due'].includes(invoice.status))
      return settleStalePayment(tx, ctx, invoice, recorded);
    await applyPaymentOutcome(tx, ctx, invoice, recorded);
    return null;
  }
  if (!succeeded || payment.status === 'succeeded') return null;
  // A charge recorded as failed that the processor later reports succeeded.
  const settled: Payment = {
    ...payment,
    status: 'succeeded',
    failureCode: null,
    failureMessage: null,
  };
  await tx.updatePayment(ctx.scope, settled);
  if (['open', 'past_due'].includes(invoice.status)) {
    const paid: Invoice = {
      ...invoice,
      status: 'paid',
      amountPaid: invoice.amountDue,
      paidAt: now,
      collectionNote: null,
      nextPaymentAttempt: null,
      chargeInFlightSince: null,
      updatedAt: now,
    };
    await tx.updateInvoice(ctx.scope, paid);
    await recordCustomerEvent(tx, ctx, 'payment.succeeded', owner, settled);
    await recordCustomerEvent(tx, ctx, 'invoice.paid', owner, paid);
    return null;
  }
  return settleStalePayment(tx, ctx, invoice, settled);
}

async function refund(
  tx: StoreTx,
  ctx: ServiceContext,
  event: Extract<ProcessorEvent, { kind: 'payment_refunded' }>,
) {
  const found = await tx.findPaymentByProcessorRef(event.processor, event.paymentRef);
  if (!found || found.payment.status === 'refunded') return;
  const payment: Payment = { ...found.payment, status: 'refunded' };
  await tx.updatePayment(ctx.scope, payment);
  // Refunded at the processor: a refund Ledger had due for it is done.
  await tx.scheduleRefund(ctx.scope, payment.id, null);
  await recordCustomerEvent(tx, ctx, 'payment.refunded', { id: payment.customerId }, payment);
}

async function detached(
  tx: StoreTx,
  ctx: ServiceContext,
  event: Extract<ProcessorEvent, { kind: 'method_detached' }>,
) {
  const found = await tx.findPaymentMethodByProcessorId(event.processor, event.methodRef);
  if (!found || found.method.removedAt) return;
  const now = ctx.clock.now();
  await tx.removePaymentMethod(ctx.scope, found.method.id, now);
  const owner = { id: found.method.customerId };
  await recordCustomerEvent(tx, ctx, 'customer.payment_method.removed', owner, {
    ...found.method,
    removedAt: now,
  });
  const customer = await tx.getCustomer(ctx.scope, found.method.customerId, { forUpdate: true });
  if (customer?.defaultPaymentMethod === found.method.id) {
    const updated = { ...customer, defaultPaymentMethod: null, updatedAt: now };
    await tx.updateCustomer(ctx.scope, updated);
    await recordCustomerEvent(tx, ctx, 'customer.updated', updated, updated, {
      defaultPaymentMethod: found.method.id,
    });
  }
}

/**
 * Applies a verified processor webhook event exactly once, however often it arrives: the event id
 * is recorded in the same transaction as its effect. Payments and invoices settle (a charge whose
 * answer Ledger never received is completed from the event; one for an invoice no longer owed is
 * refunded through the processor after the commit), refunds mark the payment, and a method
 * detached at the processor is removed in Ledger too.
 */
export async function applyProcessorEvent(
  ctx: SystemContext,
  event: ProcessorEvent,
): Promise<ProcessorEventResult> {
  const scope = await scopeOf(ctx, event);
  if (!scope) return 'ignored';
  const scoped: ServiceContext = { ...ctx, scope };
  const applied = await inTransaction(scoped, async (tx) => {
    if (!(await tx.markProcessorEvent(scope, event.processor, event.id, event.kind)))
      return { result: 'duplicate' as const, notOwed: null };
    let notOwed: Payment | null = null;
    switch (event.kind) {
      case 'payment_succeeded':
      case 'payment_failed':
        notOwed = await settle(tx, scoped, event);
        break;
      case 'payment_refunded':
        await refund(tx, scoped, event);
        break;
      case 'method_detached':
        await detached(tx, scoped, event);
        break;
    }
    return { result: 'applied' as const, notOwed };
  });
  if (applied.notOwed) await refundQuietly(scoped, applied.notOwed);
  return applied.result;
}
