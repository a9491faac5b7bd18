import { loadCustomer } from '../../customer/load-customer.js';
import { LedgerError } from '../../errors.js';
import type { PaymentMethodId } from '../../ids.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import { parseInput } from '../../validation.js';
import {
  type BusinessDetails,
  documentCustomer,
  type ReceiptDocument,
  type ReceiptPayment,
  receiptNumberOf,
  scopeBusiness,
} from '../documents.js';
import { loadFinalizedInvoice } from '../load.js';
import type { Invoice } from '../model.js';
import { InvoiceIdInput } from '../schemas.js';

/** Enough to see every attempt of one invoice (retries are few; refunds add one each). */
const PAYMENTS_READ = 100;

/**
 * The charge that paid the invoice: its first succeeded payment, with the card it was taken
 * from (removed cards stay readable). None when credit paid the whole invoice.
 */
async function paymentOf(
  tx: StoreTx,
  ctx: ServiceContext,
  invoice: Invoice,
): Promise<ReceiptPayment | null> {
  const { rows } = await tx.listPayments(ctx.scope, {
    invoiceId: invoice.id,
    limit: PAYMENTS_READ,
    offset: 0,
  });
  const succeeded = rows
    .filter((payment) => payment.status === 'succeeded')
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  const payment = succeeded[0];
  if (!payment) return null;
  const method = payment.paymentMethodId
    ? await tx.getPaymentMethod(ctx.scope, payment.paymentMethodId as PaymentMethodId)
    : null;
  return { id: payment.id, card: method?.card ?? null, processor: payment.processor };
}

/**
 * What a paid invoice's receipt shows: its number (`RCPT-` + the invoice number), the amount
 * paid, when, and the card charged, read in one transaction. Any other status is
 * `invalid_state` on `id`. `business` is the issuer, as for {@link invoiceDocument}.
 */
export async function receiptDocument(
  ctx: ServiceContext,
  input: InvoiceIdInput,
  business: BusinessDetails = scopeBusiness(ctx.scope),
): Promise<ReceiptDocument> {
  const { id } = parseInput(InvoiceIdInput, input);
  return ctx.store.transaction(async (tx) => {
    const invoice = await loadFinalizedInvoice(tx, ctx, id);
    const { paidAt } = invoice;
    if (invoice.status !== 'paid' || paidAt === null) {
      throw new LedgerError(
        'invalid_state',
        `Invoice ${id} is not paid (status "${invoice.status}"): only a paid invoice has a receipt`,
        { param: ['id'], details: { status: invoice.status, allowed: ['paid'] } },
      );
    }
    const customer = await loadCustomer(tx, ctx, invoice.customerId);
    return {
      business,
      receiptNumber: receiptNumberOf(invoice.number),
      invoice,
      customer: documentCustomer(customer),
      amountPaid: invoice.amountPaid,
      paidAt,
      payment: await paymentOf(tx, ctx, invoice),
    };
  });
}
