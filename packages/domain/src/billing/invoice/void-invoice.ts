import { postBalance } from '../../balance/post-balance.js';
import { recordCustomerEvent } from '../../events/record-event.js';
import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { assertState, loadInvoice } from '../load.js';
import type { Invoice } from '../model.js';
import { VoidInvoiceInput } from '../schemas.js';
import { assertNoChargeInFlight } from './charge-in-flight.js';

/**
 * Voids a draft or open invoice: nothing is owed on it any more. Balance it consumed is given back
 * with one `unapplied_from_invoice` journal row, and a draft's proration lines return to the
 * subscription's next invoice. An open invoice whose charge is in flight at the processor is
 * refused (`invoice_payment_in_progress`, 409) until the charge settles or its lease runs out:
 * voiding it then would leave the customer charged for an invoice that is void.
 */
export async function voidInvoice(ctx: ServiceContext, input: VoidInvoiceInput): Promise<Invoice> {
  const data = parseInput(VoidInvoiceInput, input);
  return inTransaction(ctx, async (tx) => {
    const invoice = await loadInvoice(tx, ctx, data.id, { forUpdate: true });
    assertState(invoice.status, ['draft', 'open'], 'void an invoice');
    const now = ctx.clock.now();
    assertNoChargeInFlight(invoice, now, 'void an invoice');
    if (invoice.creditApplied.amount !== 0) {
      await postBalance(tx, ctx, {
        customerId: invoice.customerId,
        type: 'unapplied_from_invoice',
        amount: { amount: -invoice.creditApplied.amount, currency: invoice.currency },
        description: `Invoice ${invoice.number ?? invoice.id} voided${data.reason ? `: ${data.reason}` : ''}`,
        invoiceId: invoice.id,
      });
    }
    if (invoice.status === 'draft') await tx.releasePendingLines(ctx.scope, invoice.id);
    const voided: Invoice = {
      ...invoice,
      status: 'void',
      voidedAt: now,
      collectionNote: data.reason ?? null,
      // A mark past its lease: its charge, should it still land, is settled as not owed.
      chargeInFlightSince: null,
      updatedAt: now,
    };
    await tx.updateInvoice(ctx.scope, voided);
    await recordCustomerEvent(tx, ctx, 'invoice.voided', { id: invoice.customerId }, voided);
    return voided;
  });
}
