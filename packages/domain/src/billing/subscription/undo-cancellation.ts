import { LedgerError } from '../../errors.js';
import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { assertState, loadSubscription } from '../load.js';
import { LIVE_SUBSCRIPTION_STATUSES, type Subscription } from '../model.js';
import { SubscriptionIdInput } from '../schemas.js';
import { CANCELLATION_REASON_KEY } from './cancel-subscription.js';
import { saveSubscription } from './record.js';

/**
 * Takes back a cancellation scheduled for the period's end (`subscription.updated`): the
 * subscription renews again as if it had never been canceled, and the reason given is dropped.
 * Only a live subscription whose end is still ahead can be kept; one already ended is
 * `invalid_state`.
 */
export async function undoCancellation(
  ctx: ServiceContext,
  input: SubscriptionIdInput,
): Promise<Subscription> {
  const { id } = parseInput(SubscriptionIdInput, input);
  return inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, id, { forUpdate: true });
    assertState(subscription.status, LIVE_SUBSCRIPTION_STATUSES, 'undo a cancellation');
    if (!subscription.cancelAt) {
      throw new LedgerError('invalid_state', `Subscription ${id} has no scheduled cancellation`);
    }
    const { [CANCELLATION_REASON_KEY]: _reason, ...metadata } = subscription.metadata;
    const next: Subscription = {
      ...subscription,
      cancelAt: null,
      canceledAt: null,
      metadata,
      updatedAt: ctx.clock.now(),
    };
    return saveSubscription(tx, ctx, subscription, next, 'subscription.updated');
  });
}
