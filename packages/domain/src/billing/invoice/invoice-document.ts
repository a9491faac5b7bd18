import { loadCustomer } from '../../customer/load-customer.js';
import type { ServiceContext } from '../../ports.js';
import { parseInput } from '../../validation.js';
import {
  type BusinessDetails,
  documentCustomer,
  type InvoiceDocument,
  scopeBusiness,
} from '../documents.js';
import { loadFinalizedInvoice } from '../load.js';
import { InvoiceIdInput } from '../schemas.js';

/**
 * What an invoice PDF (or the portal's invoice page) shows, read in one transaction so the
 * invoice and its customer agree. `business` is the issuer printed at the top: the portal passes
 * the one its configuration names; by default it is the scope's app ({@link scopeBusiness}).
 */
export async function invoiceDocument(
  ctx: ServiceContext,
  input: InvoiceIdInput,
  business: BusinessDetails = scopeBusiness(ctx.scope),
): Promise<InvoiceDocument> {
  const { id } = parseInput(InvoiceIdInput, input);
  return ctx.store.transaction(async (tx) => {
    const invoice = await loadFinalizedInvoice(tx, ctx, id);
    const customer = await loadCustomer(tx, ctx, invoice.customerId);
    return { business, invoice, customer: documentCustomer(customer) };
  });
}
