import type { ServiceContext } from '../ports.js';
import { type Page, toPage } from '../schemas/pagination.js';
import { parseInput } from '../validation.js';
import type { Customer } from './model.js';
import { ListCustomersInput } from './schemas.js';

/**
 * One page of the scope's customers, newest first, filtered as REST.md lists (email, status,
 * created range, `q` on name or email, metadata equality), by offset or by `startingAfter` cursor.
 * Deleted customers are left out unless `status` asks for them.
 */
export async function listCustomers(
  ctx: ServiceContext,
  input: ListCustomersInput = {},
): Promise<Page<Customer>> {
  const filter = parseInput(ListCustomersInput, input);
  const result = await ctx.store.listCustomers(ctx.scope, filter);
  return toPage(result, filter);
}
