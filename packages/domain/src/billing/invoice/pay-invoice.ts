import { LedgerError } from '../../errors.js';
import { declineCode } from '../../payment-method/decline-codes.js';
import type { ServiceContext } from '../../ports.js';
import { parseInput } from '../../validation.js';
import { assertState, loadInvoice } from '../load.js';
import type { Invoice } from '../model.js';
import { InvoiceIdInput } from '../schemas.js';
import { collectInvoice } from './collect-invoice.js';

/**
 * Retries collecting an open or past-due invoice now. A decline is reported with the processor's
 * code (`card_declined`, `insufficient_funds`, … → 402; codes Ledger does not know read
 * `card_declined`, with the processor's own in `details.decline_code`) after it is recorded as a
 * failed payment.
 */
export async function payInvoice(ctx: ServiceContext, input: InvoiceIdInput): Promise<Invoice> {
  const { id } = parseInput(InvoiceIdInput, input);
  const invoice = await loadInvoice(ctx.store, ctx, id);
  assertState(invoice.status, ['open', 'past_due'], 'pay an invoice');
  const { invoice: after, payment } = await collectInvoice(ctx, id);
  if (payment?.status === 'failed') {
    throw new LedgerError(
      declineCode(payment.failureCode),
      payment.failureMessage ?? 'The payment was declined',
      {
        details: { decline_code: payment.failureCode, payment_id: payment.id, invoice_id: id },
      },
    );
  }
  return after;
}
