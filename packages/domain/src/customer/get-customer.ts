import type { ServiceContext } from '../ports.js';
import { parseInput } from '../validation.js';
import { loadCustomer } from './load-customer.js';
import type { Customer } from './model.js';
import { GetCustomerInput } from './schemas.js';

/** A customer by id, deleted ones included (with `status: "deleted"`), to keep history readable. */
export async function getCustomer(ctx: ServiceContext, input: GetCustomerInput): Promise<Customer> {
  const { id } = parseInput(GetCustomerInput, input);
  return loadCustomer(ctx.store, ctx, id);
}
