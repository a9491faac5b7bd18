import { recordCustomerEvent } from '../../events/record-event.js';
import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import type { Payment } from '../model.js';

/** After the processor failed a refund, the billing job tries the same refund again this much later. */
export const REFUND_RETRY_MS = 60 * 60 * 1000;

/**
 * Gives back, through the processor, money taken for an invoice that is no longer owed (a charge
 * that landed after its invoice was voided once the charge lease had run out, or a second charge
 * of a paid invoice): the customer is never left charged for nothing, and the balance is not
 * where such money ends up. Runs after the commit that scheduled the refund (`scheduleRefund`),
 * outside any transaction, with a key of its own per payment (`<payment id>:refund`), so a repeat
 * never refunds twice; then the payment is `refunded` and `payment.refunded` written in one
 * transaction. A processor failure is logged, not thrown (the caller's own change committed): the
 * refund stays due and the billing job tries it again `REFUND_RETRY_MS` later. True once refunded.
 */
export async function refundQuietly(ctx: ServiceContext, payment: Payment): Promise<boolean> {
  if (payment.status !== 'succeeded' || !payment.processorRef) return false;
  try {
    await ctx.payments.refund({
      scope: ctx.scope,
      processorRef: payment.processorRef,
      invoiceId: payment.invoiceId,
      idempotencyKey: `${payment.id}:refund`,
    });
  } catch (error) {
    ctx.logger.error('refunding a payment for an invoice no longer owed failed; it is retried', {
      paymentId: payment.id,
      invoiceId: payment.invoiceId,
      error,
    });
    await ctx.store.scheduleRefund(
      ctx.scope,
      payment.id,
      new Date(ctx.clock.now().getTime() + REFUND_RETRY_MS),
    );
    return false;
  }
  const processorRef = payment.processorRef;
  await inTransaction(ctx, async (tx) => {
    await tx.scheduleRefund(ctx.scope, payment.id, null);
    // The processor's `charge.refunded` webhook may have marked it already.
    const current = (await tx.findPaymentByProcessorRef(payment.processor, processorRef))?.payment;
    if (!current || current.status === 'refunded') return;
    const refunded: Payment = { ...current, status: 'refunded' };
    await tx.updatePayment(ctx.scope, refunded);
    await recordCustomerEvent(tx, ctx, 'payment.refunded', { id: refunded.customerId }, refunded);
  });
  return true;
}
