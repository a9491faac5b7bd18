import { loadCustomer } from '../customer/load-customer.js';
import type { ServiceContext } from '../ports.js';
import { parseInput } from '../validation.js';
import type { PaymentMethod } from './model.js';
import { ListPaymentMethodsInput } from './schemas.js';

/** The customer's live payment methods (the seed's `GetPaymentMethods`), oldest first. */
export async function listPaymentMethods(
  ctx: ServiceContext,
  input: ListPaymentMethodsInput,
): Promise<{ data: PaymentMethod[] }> {
  const { customerId } = parseInput(ListPaymentMethodsInput, input);
  await loadCustomer(ctx.store, ctx, customerId, { param: 'customerId' });
  return { data: await ctx.store.listPaymentMethods(ctx.scope, customerId) };
}
