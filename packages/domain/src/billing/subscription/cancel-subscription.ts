import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { assertState, loadSubscription } from '../load.js';
import { LIVE_SUBSCRIPTION_STATUSES, type Subscription } from '../model.js';
import { CancelSubscriptionInput } from '../schemas.js';
import { saveSubscription } from './record.js';

/**
 * Cancels a subscription: at the end of the current period by default (`cancelAt` is set and the
 * billing job ends it after billing that period), or `immediately` (ended now, nothing more billed).
 */
export async function cancelSubscription(
  ctx: ServiceContext,
  input: CancelSubscriptionInput,
): Promise<Subscription> {
  const data = parseInput(CancelSubscriptionInput, input);
  return inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, data.id, { forUpdate: true });
    assertState(subscription.status, LIVE_SUBSCRIPTION_STATUSES, 'cancel a subscription');
    const now = ctx.clock.now();
    const next: Subscription = data.immediately
      ? {
          ...subscription,
          status: 'canceled',
          canceledAt: now,
          endedAt: now,
          cancelAt: now,
          updatedAt: now,
        }
      : {
          ...subscription,
          cancelAt: subscription.currentPeriodEnd,
          canceledAt: now,
          updatedAt: now,
        };
    return saveSubscription(
      tx,
      ctx,
      subscription,
      next,
      data.immediately ? 'subscription.canceled' : 'subscription.updated',
    );
  });
}
