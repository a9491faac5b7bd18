import { loadLiveCustomer } from '../customer/load-customer.js';
import { LedgerError } from '../errors.js';
import { recordCustomerEvent } from '../events/record-event.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { detachQuietly } from './detach.js';
import type { PaymentMethod } from './model.js';
import { RemovePaymentMethodInput } from './schemas.js';

/**
 * Removes a live method of the customer (`customer.payment_method.removed`); removing the default
 * clears it (`customer.updated`). The processor copy is detached after the commit.
 */
export async function removePaymentMethod(
  ctx: ServiceContext,
  input: RemovePaymentMethodInput,
): Promise<PaymentMethod> {
  const data = parseInput(RemovePaymentMethodInput, input);
  const removed = await inTransaction(ctx, async (tx) => {
    const customer = await loadLiveCustomer(tx, ctx, data.customerId, { param: 'customerId' });
    const method = await tx.getPaymentMethod(ctx.scope, data.paymentMethodId);
    if (!method || method.customerId !== customer.id || method.removedAt !== null) {
      throw new LedgerError(
        'payment_method_not_found',
        `No payment method ${data.paymentMethodId} on this customer`,
        {
          param: ['paymentMethodId'],
        },
      );
    }
    const now = ctx.clock.now();
    await tx.removePaymentMethod(ctx.scope, method.id, now);
    const gone = { ...method, removedAt: now };
    await recordCustomerEvent(tx, ctx, 'customer.payment_method.removed', customer, gone);
    if (customer.defaultPaymentMethod === method.id) {
      const updated = { ...customer, defaultPaymentMethod: null, updatedAt: now };
      await tx.updateCustomer(ctx.scope, updated);
      await recordCustomerEvent(tx, ctx, 'customer.updated', updated, updated, {
        defaultPaymentMethod: method.id,
      });
    }
    return gone;
  });
  await detachQuietly(ctx, [removed]);
  return removed;
}
