import { LedgerError } from '../errors.js';
import type { CustomerId } from '../ids.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { Customer } from './model.js';

/** The customer of this scope, deleted or not; `customer_not_found` otherwise. */
export async function loadCustomer(
  tx: StoreTx,
  ctx: ServiceContext,
  id: CustomerId,
  options: { forUpdate?: boolean; param?: string } = {},
): Promise<Customer> {
  const customer = await tx.getCustomer(ctx.scope, id, { forUpdate: options.forUpdate ?? false });
  if (!customer) {
    throw new LedgerError('customer_not_found', `No customer ${id}`, {
      param: [options.param ?? 'id'],
    });
  }
  return customer;
}

/** A customer that may still change: deleted customers refuse every change (`customer_deleted`). */
export async function loadLiveCustomer(
  tx: StoreTx,
  ctx: ServiceContext,
  id: CustomerId,
  options: { param?: string } = {},
): Promise<Customer> {
  const customer = await loadCustomer(tx, ctx, id, { ...options, forUpdate: true });
  if (customer.status === 'deleted') {
    throw new LedgerError('customer_deleted', `Customer ${id} is deleted and cannot change`, {
      param: [options.param ?? 'id'],
    });
  }
  return customer;
}
