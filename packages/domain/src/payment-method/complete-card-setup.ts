import { LedgerError } from '../errors.js';
import type { ServiceContext } from '../ports.js';
import { parseInput } from '../validation.js';
import { addPaymentMethod } from './add-payment-method.js';
import type { PaymentMethod } from './model.js';
import { ensureProcessorCustomer } from './processor-customer.js';
import { CompleteCardSetupInput } from './schemas.js';

/**
 * Saves the card a SetupIntent collected, once the processor itself (read server-side, never the
 * browser's word) says it `succeeded` for this customer's processor customer; then it is
 * `addPaymentMethod` with the collected `pm_…`, so the same events fire. A SetupIntent of someone
 * else, or unknown, is `not_found`; one not succeeded is `invalid_state`, and nothing is saved.
 * Completing the same SetupIntent again returns the card saved the first time (a reloaded page).
 */
export async function completeCardSetup(
  ctx: ServiceContext,
  input: CompleteCardSetupInput,
): Promise<PaymentMethod> {
  const data = parseInput(CompleteCardSetupInput, input);
  const processor = ctx.payments.processor;
  if (!processor || !ctx.payments.retrieveSetupIntent) {
    throw new LedgerError('invalid_state', 'The payment processor does not collect cards itself');
  }
  const processorCustomerId = await ensureProcessorCustomer(ctx, data.customerId, processor);
  const intent = await ctx.payments.retrieveSetupIntent({
    scope: ctx.scope,
    id: data.setupIntentId,
  });
  if (intent.processorCustomerId !== processorCustomerId) {
    throw new LedgerError('not_found', `No setup intent ${data.setupIntentId} for this customer`, {
      param: ['setupIntentId'],
    });
  }
  if (intent.status !== 'succeeded' || !intent.paymentMethod) {
    throw new LedgerError(
      'invalid_state',
      `The card was not confirmed (setup intent status "${intent.status}")`,
      { param: ['setupIntentId'], details: { status: intent.status } },
    );
  }
  const saved = await ctx.store.findPaymentMethodByProcessorId(processor, intent.paymentMethod);
  const mine =
    saved?.scope.tenantId === ctx.scope.tenantId &&
    saved.scope.appId === ctx.scope.appId &&
    saved.method.customerId === data.customerId;
  if (saved && mine && !saved.method.removedAt) {
    return saved.method;
  }
  return addPaymentMethod(ctx, {
    customerId: data.customerId,
    token: intent.paymentMethod,
    makeDefault: data.makeDefault,
  });
}
