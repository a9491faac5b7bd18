import type { ServiceContext } from '../../ports.js';
import { type Page, toPage } from '../../schemas/pagination.js';
import { parseInput } from '../../validation.js';
import type { Payment } from '../model.js';
import { ListPaymentsInput } from '../schemas.js';

/** Payment attempts of the scope, newest first, by customer or invoice. */
export async function listPayments(
  ctx: ServiceContext,
  input: ListPaymentsInput = {},
): Promise<Page<Payment>> {
  const data = parseInput(ListPaymentsInput, input);
  return toPage(await ctx.store.listPayments(ctx.scope, data), data);
}
