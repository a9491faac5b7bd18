import { loadLiveCustomer } from '../customer/load-customer.js';
import type { CustomerId } from '../ids.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';

/**
 * The processor's customer for this customer: created on the first card and remembered at once,
 * so a declined first card never leads to a second processor customer. (Two first cards at once
 * may both create one; the processor's idempotency key makes that the same one, and the first
 * stored wins.)
 */
export async function ensureProcessorCustomer(
  ctx: ServiceContext,
  customerId: CustomerId,
  processor: string,
): Promise<string> {
  const { customer, known } = await inTransaction(ctx, async (tx) => ({
    customer: await loadLiveCustomer(tx, ctx, customerId, { param: 'customerId' }),
    known: await tx.getProcessorCustomer(ctx.scope, customerId, processor),
  }));
  if (known) return known;
  const created = await ctx.payments.createCustomer({ scope: ctx.scope, customer });
  return inTransaction(ctx, (tx) =>
    tx.saveProcessorCustomer(ctx.scope, customerId, processor, created),
  );
}
