import { LedgerError } from '../errors.js';
import { recordCustomerEvent } from '../events/record-event.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { loadLiveCustomer } from './load-customer.js';
import type { Customer } from './model.js';
import { DeleteCustomerInput } from './schemas.js';

/**
 * Soft-deletes a customer so its billing history stays: refused with `has_active_subscriptions`
 * while a subscription is live; otherwise removes its payment methods (one event each), clears
 * the default, sets `status: "deleted"` and `deletedAt`, and emits `customer.deleted`. Invoices,
 * payments and balance transactions are kept.
 */
export async function deleteCustomer(
  ctx: ServiceContext,
  input: DeleteCustomerInput,
): Promise<Customer> {
  const { id } = parseInput(DeleteCustomerInput, input);
  return inTransaction(ctx, async (tx) => {
    const customer = await loadLiveCustomer(tx, ctx, id);
    if (await ctx.guards.hasActiveSubscriptions(tx, ctx.scope, id)) {
      throw new LedgerError(
        'has_active_subscriptions',
        'Cancel the active subscriptions of this customer before deleting it',
        { param: ['id'] },
      );
    }
    const now = ctx.clock.now();
    const removed = await tx.removeAllPaymentMethods(ctx.scope, id, now);
    for (const paymentMethodId of removed) {
      const object = { id: paymentMethodId, customerId: id, removedAt: now };
      await recordCustomerEvent(tx, ctx, 'customer.payment_method.removed', customer, object);
    }
    await tx.deleteCustomer(ctx.scope, id, now);
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
    return deleted;
  });
}
