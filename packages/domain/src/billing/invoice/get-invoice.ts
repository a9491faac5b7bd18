import type { ServiceContext } from '../../ports.js';
import { parseInput } from '../../validation.js';
import { loadInvoice } from '../load.js';
import type { Invoice } from '../model.js';
import { InvoiceIdInput } from '../schemas.js';

/** An invoice by id. */
export async function getInvoice(ctx: ServiceContext, input: InvoiceIdInput): Promise<Invoice> {
  const { id } = parseInput(InvoiceIdInput, input);
  return loadInvoice(ctx.store, ctx, id);
}
