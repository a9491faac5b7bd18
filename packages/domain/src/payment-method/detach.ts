import type { ServiceContext } from '../ports.js';
import type { PaymentMethod } from './model.js';

/**
 * Detaches removed methods at the processor after Ledger committed their removal. A failure is
 * logged, not raised: Ledger will never charge a removed method, and the processor's copy can be
 * detached again later.
 */
export async function detachQuietly(
  ctx: Pick<ServiceContext, 'payments' | 'scope' | 'logger'>,
  methods: readonly PaymentMethod[],
): Promise<void> {
  for (const method of methods) {
    if (method.processor !== ctx.payments.processor) continue;
    try {
      await ctx.payments.detachPaymentMethod({ scope: ctx.scope, processorId: method.processorId });
    } catch (error) {
      ctx.logger.warn('could not detach a removed payment method at the processor', {
        paymentMethodId: method.id,
        processor: method.processor,
        error,
      });
    }
  }
}
