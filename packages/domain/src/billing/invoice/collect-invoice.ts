import { loadCustomer } from '../../customer/load-customer.js';
import { recordCustomerEvent } from '../../events/record-event.js';
import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { loadInvoice } from '../load.js';
import type { Invoice, InvoiceId, Payment } from '../model.js';
import type { ChargeOutcome } from '../ports.js';

/** The result of one collection attempt. */
export interface Collection {
  invoice: Invoice;
  payment: Payment | null;
}

/**
 * Tries to collect an open or past-due invoice from the customer's default payment method. The
 * charge runs outside any transaction (a processor call must not hold database locks) with an
 * idempotency key per invoice attempt, then the outcome is recorded: a payment row, the invoice
 * `paid` or `past_due`, and their events. Without a method or processor the invoice stays as it is,
 * with the reason in `collectionNote`.
 */
export async function collectInvoice(ctx: ServiceContext, id: InvoiceId): Promise<Collection> {
  const prepared = await inTransaction(ctx, async (tx) => {
    const invoice = await loadInvoice(tx, ctx, id, { forUpdate: true });
    if (!['open', 'past_due'].includes(invoice.status) || invoice.amountDue.amount <= 0)
      return { invoice, charge: null };
    const customer = await loadCustomer(tx, ctx, invoice.customerId);
    const note = !customer.defaultPaymentMethod
      ? 'no_payment_method'
      : ctx.payments.processor
        ? null
        : 'no_processor';
    if (note) {
      const updated = { ...invoice, collectionNote: note, updatedAt: ctx.clock.now() };
      await tx.updateInvoice(ctx.scope, updated);
      return { invoice: updated, charge: null };
    }
    const attempt =
      (await tx.listPayments(ctx.scope, { invoiceId: id, limit: 1, offset: 0 })).total + 1;
    return {
      invoice,
      charge: { customer, paymentMethodId: customer.defaultPaymentMethod as string, attempt },
    };
  });
  const { invoice, charge } = prepared;
  if (!charge) return { invoice, payment: null };
  const outcome: ChargeOutcome = await ctx.payments.charge({
    scope: ctx.scope,
    customer: charge.customer,
    paymentMethodId: charge.paymentMethodId,
    amount: invoice.amountDue,
    invoiceId: invoice.id,
    idempotencyKey: `${invoice.id}:attempt-${charge.attempt}`,
  });
  return inTransaction(ctx, async (tx) => {
    const current = await loadInvoice(tx, ctx, id, { forUpdate: true });
    const now = ctx.clock.now();
    const succeeded = outcome.status === 'succeeded';
    const payment: Payment = {
      id: ctx.ids.newId('payment'),
      invoiceId: id,
      customerId: current.customerId,
      amount: current.amountDue,
      status: succeeded ? 'succeeded' : 'failed',
      paymentMethodId: charge.paymentMethodId,
      processor: outcome.processor,
      processorRef: outcome.processorRef,
      failureCode: succeeded ? null : outcome.code,
      failureMessage: succeeded ? null : outcome.message,
      createdAt: now,
    };
    await tx.insertPayment(ctx.scope, payment);
    const updated: Invoice = succeeded
      ? {
          ...current,
          status: 'paid',
          amountPaid: current.amountDue,
          paidAt: now,
          collectionNote: null,
          updatedAt: now,
        }
      : { ...current, status: 'past_due', collectionNote: outcome.code, updatedAt: now };
    await tx.updateInvoice(ctx.scope, updated);
    const owner = { id: current.customerId };
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
    return { invoice: updated, payment };
  });
}
