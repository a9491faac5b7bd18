import { LedgerError } from '../errors.js';
import type { ServiceContext } from '../ports.js';
import { parseInput } from '../validation.js';
import type { Customer } from './model.js';
import { GetCustomerByEmailInput } from './schemas.js';

/**
 * The live customer with this email, in any case. Deleted customers are not found by email: their
 * address may already belong to a new customer.
 */
export async function getCustomerByEmail(
  ctx: ServiceContext,
  input: GetCustomerByEmailInput,
): Promise<Customer> {
  const { email } = parseInput(GetCustomerByEmailInput, input);
  const customer = await ctx.store.getCustomerByEmail(ctx.scope, email);
  if (!customer) {
    throw new LedgerError('customer_not_found', `No customer with email ${email}`, {
      param: ['email'],
    });
  }
  return customer;
}
