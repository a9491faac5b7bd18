import { loadLiveCustomer } from '../customer/load-customer.js';
import { LedgerError } from '../errors.js';
import { recordCustomerEvent } from '../events/record-event.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { detachQuietly } from './detach.js';
import type { PaymentMethod } from './model.js';
import { ensureProcessorCustomer } from './processor-customer.js';
import { AddPaymentMethodInput } from './schemas.js';

/**
 * Adds a card from a processor token (`tok_…`) or an existing processor method (`pm_…`): the
 * processor attaches it to its customer (created once, then remembered) and Ledger stores the card
 * details, never the number. The customer's first method, or one added with `makeDefault`, becomes
 * the default (`customer.updated`); `customer.payment_method.added` is emitted. A card the
 * processor refuses is its decline code (402) and nothing is stored.
 */
export async function addPaymentMethod(
  ctx: ServiceContext,
  input: AddPaymentMethodInput,
): Promise<PaymentMethod> {
  const data = parseInput(AddPaymentMethodInput, input);
  if (!ctx.payments.processor) {
    throw new LedgerError('invalid_state', 'No payment processor is configured');
  }
  const processor = ctx.payments.processor;
  const processorCustomerId = await ensureProcessorCustomer(ctx, data.customerId, processor);
  const attached = await ctx.payments.attachPaymentMethod({
    scope: ctx.scope,
    processorCustomerId,
    token: data.token,
  });
  const method: PaymentMethod = {
    id: ctx.ids.newId('paymentMethod'),
    customerId: data.customerId,
    processor,
    processorId: attached.processorId,
    type: 'card',
    card: attached.card,
    createdAt: ctx.clock.now(),
    removedAt: null,
  };
  try {
    return await inTransaction(ctx, async (tx) => {
      const current = await loadLiveCustomer(tx, ctx, data.customerId, { param: 'customerId' });
      await tx.insertPaymentMethod(ctx.scope, method);
      await recordCustomerEvent(tx, ctx, 'customer.payment_method.added', current, method);
      if (data.makeDefault || !current.defaultPaymentMethod) {
        const updated = { ...current, defaultPaymentMethod: method.id, updatedAt: ctx.clock.now() };
        await tx.updateCustomer(ctx.scope, updated);
        await recordCustomerEvent(tx, ctx, 'customer.updated', updated, updated, {
          defaultPaymentMethod: current.defaultPaymentMethod,
        });
      }
      return method;
    });
  } catch (error) {
    await detachQuietly(ctx, [method]);
    throw error;
  }
}
