import { LedgerError } from '../errors.js';
import { recordCustomerEvent } from '../events/record-event.js';
import { zero } from '../money.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import { mergeMetadata } from '../schemas/metadata.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { loadLiveCustomer } from './load-customer.js';
import { type Customer, PROFILE_FIELDS } from './model.js';
import { UpdateCustomerInput } from './schemas.js';

type Patch = ReturnType<typeof UpdateCustomerInput.parse>;

async function assertCurrencyMayChange(tx: StoreTx, ctx: ServiceContext, customer: Customer) {
  const locked =
    customer.balance.amount !== 0 ||
    (await ctx.guards.hasBillingHistory(tx, ctx.scope, customer.id));
  if (locked) {
    throw new LedgerError(
      'currency_locked',
      'The currency can change only while the balance is zero and the customer has no invoices or live subscriptions',
      { param: ['currency'], details: { currency: customer.currency } },
    );
  }
}

async function assertPaymentMethod(
  tx: StoreTx,
  ctx: ServiceContext,
  customer: Customer,
  id: string,
) {
  const method = await tx.getPaymentMethod(ctx.scope, id as `pm_${string}`);
  if (!method || method.customerId !== customer.id || method.removedAt !== null) {
    throw new LedgerError('payment_method_not_found', `No payment method ${id} on this customer`, {
      param: ['defaultPaymentMethod'],
    });
  }
}

function applyPatch(customer: Customer, patch: Patch): Customer {
  const next: Customer = { ...customer };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.email !== undefined) next.email = patch.email;
  if (patch.billingAddress !== undefined) next.billingAddress = patch.billingAddress;
  if (patch.defaultPaymentMethod !== undefined)
    next.defaultPaymentMethod = patch.defaultPaymentMethod;
  if (patch.taxIds !== undefined) next.taxIds = patch.taxIds;
  if (patch.taxExempt !== undefined) next.taxExempt = patch.taxExempt;
  if (patch.metadata !== undefined)
    next.metadata = mergeMetadata(customer.metadata, patch.metadata);
  if (patch.currency !== undefined && patch.currency !== customer.currency) {
    next.currency = patch.currency;
    next.balance = zero(patch.currency);
  }
  return next;
}

/** The old values of the profile fields that differ between `before` and `after`. */
function changedFields(before: Customer, after: Customer): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const field of PROFILE_FIELDS) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      previous[field] = before[field];
    }
  }
  return previous;
}

/**
 * Changes the fields given and nothing else, then emits one `customer.updated` carrying the old
 * values of what changed (none when nothing changed). Refuses deleted customers
 * (`customer_deleted`), a currency change once money or billing objects exist (`currency_locked`)
 * and a default payment method that is not a live method of this customer.
 */
export async function updateCustomer(
  ctx: ServiceContext,
  input: UpdateCustomerInput,
): Promise<Customer> {
  const patch = parseInput(UpdateCustomerInput, input);
  return inTransaction(ctx, async (tx) => {
    const customer = await loadLiveCustomer(tx, ctx, patch.id);
    if (patch.currency !== undefined && patch.currency !== customer.currency) {
      await assertCurrencyMayChange(tx, ctx, customer);
    }
    if (patch.defaultPaymentMethod) {
      await assertPaymentMethod(tx, ctx, customer, patch.defaultPaymentMethod);
    }
    const next = applyPatch(customer, patch);
    const previous = changedFields(customer, next);
    if (Object.keys(previous).length === 0) return customer;
    next.updatedAt = ctx.clock.now();
    await tx.updateCustomer(ctx.scope, next);
    await recordCustomerEvent(tx, ctx, 'customer.updated', next, next, previous);
    return next;
  });
}
