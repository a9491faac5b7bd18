import { createdEventOf } from '../events/record-event.js';
import { zero } from '../money.js';
import type { ServiceContext } from '../ports.js';
import { mergeMetadata } from '../schemas/metadata.js';
import { inTransaction, ONE_STATEMENT } from '../transaction.js';
import { parseInput } from '../validation.js';
import type { Customer } from './model.js';
import { CreateCustomerInput } from './schemas.js';

/**
 * Creates a customer in the caller's scope with a zero balance in its currency and emits
 * `customer.created` in the same statement. A live customer with the same email in the scope
 * gives `duplicate_customer_email` (the database decides, so concurrent creates cannot both win).
 */
export async function createCustomer(
  ctx: ServiceContext,
  input: CreateCustomerInput,
): Promise<Customer> {
  const data = parseInput(CreateCustomerInput, input);
  const now = ctx.clock.now();
  const customer: Customer = {
    id: ctx.ids.newId('customer'),
    tenantId: ctx.scope.tenantId,
    appId: ctx.scope.appId,
    name: data.name,
    email: data.email,
    billingAddress: data.billingAddress ?? null,
    defaultPaymentMethod: null,
    balance: zero(data.currency),
    currency: data.currency,
    taxIds: data.taxIds ?? [],
    taxExempt: data.taxExempt ?? 'none',
    metadata: mergeMetadata({}, data.metadata ?? {}),
    status: 'active',
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    erasedAt: null,
  };
  const created = createdEventOf(ctx, customer);
  return inTransaction(
    ctx,
    async (tx) => {
      await tx.createCustomer(ctx.scope, customer, created.event, created.options);
      return customer;
    },
    ONE_STATEMENT,
  );
}
