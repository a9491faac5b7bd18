import { LedgerError } from '../errors.js';
import { recordCustomerEvent } from '../events/record-event.js';
import { detachQuietly } from '../payment-method/detach.js';
import type { PaymentMethod } from '../payment-method/model.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { loadLiveCustomer } from './load-customer.js';
import type { Customer } from './model.js';
import { DeleteCustomerInput } from './schemas.js';

/**
 * The deletion itself, in the caller's transaction, of a live customer loaded for update: shared
 * by `deleteCustomer` and `eraseCustomer` (which deletes a live customer first, under the same
 * guard). Returns the deleted customer and the removed methods, to detach after the commit.
 */
export async function deleteLoadedCustomer(
  tx: StoreTx,
  ctx: ServiceContext,
  customer: Customer,
): Promise<{ deleted: Customer; removed: PaymentMethod[] }> {
  if (await ctx.guards.hasActiveSubscriptions(tx, ctx.scope, customer.id)) {
    throw new LedgerError(
      'has_active_subscriptions',
      'Cancel the active subscriptions of this customer before deleting it',
      { param: ['id'] },
    );
  }
  const now = ctx.clock.now();
  const removed = await tx.removeAllPaymentMethods(ctx.scope, customer.id, now);
  for (const method of removed) {
    await recordCustomerEvent(tx, ctx, 'customer.payment_method.removed', customer, {
      ...method,
      removedAt: now,
    });
  }
  await tx.deleteCustomer(ctx.scope, customer.id, now);
  // Its portal links and browser sessions end with it.
  await tx.revokeCustomerPortalSessions(ctx.scope, customer.id, now);
  const deleted: Customer = {
    ...customer,
    status: 'deleted',
    defaultPaymentMethod: null,
    deletedAt: now,
    updatedAt: now,
  };
  await recordCustomerEvent(tx, ctx, 'customer.deleted', deleted, deleted, {
    status: customer.status,
    deletedAt: null,
    ...(customer.defaultPaymentMethod
      ? { defaultPaymentMethod: customer.defaultPaymentMethod }
      : {}),
  });
  return { deleted, removed };
}

/**
 * Soft-deletes a customer so its billing history stays: refused with `has_active_subscriptions`
 * while a subscription is live; otherwise removes its payment methods (one event each), clears
 * the default, revokes its portal sessions, sets `status: "deleted"` and `deletedAt`, and emits
 * `customer.deleted`. Invoices, payments and balance transactions are kept. The methods are
 * detached at the processor after the commit (best effort: the customer is already deleted in
 * Ledger either way).
 */
export async function deleteCustomer(
  ctx: ServiceContext,
  input: DeleteCustomerInput,
): Promise<Customer> {
  const { id } = parseInput(DeleteCustomerInput, input);
  const { deleted, removed } = await inTransaction(ctx, async (tx) =>
    deleteLoadedCustomer(tx, ctx, await loadLiveCustomer(tx, ctx, id)),
  );
  await detachQuietly(ctx, removed);
  return deleted;
}
