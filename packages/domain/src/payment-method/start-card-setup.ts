import { LedgerError } from '../errors.js';
import type { ServiceContext } from '../ports.js';
import { parseInput } from '../validation.js';
import { ensureProcessorCustomer } from './processor-customer.js';
import { StartCardSetupInput } from './schemas.js';

/** A card collection started at the processor, for the browser to finish (Stripe.js). */
export interface CardSetup {
  setupIntentId: string;
  /** Handed to the browser only: it lets Stripe.js confirm this one SetupIntent. */
  clientSecret: string;
}

/**
 * Starts collecting a card in the customer's browser: a SetupIntent for the customer's processor
 * customer (created once, as for `addPaymentMethod`). Nothing is stored in Ledger until
 * `completeCardSetup` reads the SetupIntent back as succeeded. A processor without SetupIntents
 * (the built-in test processor) is `invalid_state`: it takes tokens through `addPaymentMethod`.
 */
export async function startCardSetup(
  ctx: ServiceContext,
  input: StartCardSetupInput,
): Promise<CardSetup> {
  const { customerId } = parseInput(StartCardSetupInput, input);
  const processor = ctx.payments.processor;
  if (!processor || !ctx.payments.createSetupIntent) {
    throw new LedgerError('invalid_state', 'The payment processor does not collect cards itself');
  }
  const processorCustomerId = await ensureProcessorCustomer(ctx, customerId, processor);
  const created = await ctx.payments.createSetupIntent({
    scope: ctx.scope,
    processorCustomerId,
    customerId,
  });
  return { setupIntentId: created.id, clientSecret: created.clientSecret };
}
