import { loadCustomer } from '../customer/load-customer.js';
import { ListBalanceTransactionsInput } from '../customer/schemas.js';
import type { ServiceContext } from '../ports.js';
import { type Page, toPage } from '../schemas/pagination.js';
import { parseInput } from '../validation.js';
import type { BalanceTransaction } from './model.js';

/** A customer's balance journal, newest first; deleted customers' history stays readable. */
export async function listBalanceTransactions(
  ctx: ServiceContext,
  input: ListBalanceTransactionsInput,
): Promise<Page<BalanceTransaction>> {
  const data = parseInput(ListBalanceTransactionsInput, input);
  await loadCustomer(ctx.store, ctx, data.customerId, { param: 'customerId' });
  const result = await ctx.store.listBalanceTransactions(ctx.scope, data.customerId, data);
  return toPage(result, data);
}
