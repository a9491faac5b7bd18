import { loadCustomer } from '../../customer/load-customer.js';
import type { ServiceContext } from '../../ports.js';
import { type Page, toPage } from '../../schemas/pagination.js';
import { parseInput } from '../../validation.js';
import type { Invoice } from '../model.js';
import { ListCustomerInvoicesInput } from '../schemas.js';

/** A customer's invoices, newest first (the seed's `GetInvoicesByCustomer`), filterable by status. */
export async function listCustomerInvoices(
  ctx: ServiceContext,
  input: ListCustomerInvoicesInput,
): Promise<Page<Invoice>> {
  const data = parseInput(ListCustomerInvoicesInput, input);
  await loadCustomer(ctx.store, ctx, data.customerId, { param: 'customerId' });
  return toPage(await ctx.store.listCustomerInvoices(ctx.scope, data.customerId, data), data);
}
