import { loadCustomer } from '../../customer/load-customer.js';
import type { ServiceContext } from '../../ports.js';
import { parseInput } from '../../validation.js';
import type { Subscription } from '../model.js';
import { ListCustomerSubscriptionsInput } from '../schemas.js';

/** A customer's subscriptions (the seed's `GetSubscriptionsByCustomer`), oldest first. */
export async function listCustomerSubscriptions(
  ctx: ServiceContext,
  input: ListCustomerSubscriptionsInput,
): Promise<{ data: Subscription[] }> {
  const data = parseInput(ListCustomerSubscriptionsInput, input);
  await loadCustomer(ctx.store, ctx, data.customerId, { param: 'customerId' });
  return {
    data: await ctx.store.listCustomerSubscriptions(ctx.scope, data.customerId, data.status),
  };
}
