import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { collectQuietly } from '../invoice/collect-invoice.js';
import { assertState, loadSubscription } from '../load.js';
import { LIVE_SUBSCRIPTION_STATUSES, type Subscription } from '../model.js';
import { CancelSubscriptionInput } from '../schemas.js';
import { billElapsed } from './bill-elapsed.js';
import { saveSubscription } from './record.js';

/** The metadata key a cancellation's reason is kept under (removed when it is undone). */
export const CANCELLATION_REASON_KEY = 'cancellation_reason';

/**
 * Cancels a subscription: at the end of the current period by default (`cancelAt` is set and the
 * billing job ends it after billing that period), or `immediately`: it ends now, and the part of
 * the period already used is billed in a final invoice (prorated base, usage so far) and charged.
 * A paused subscription (already billed up to its pause) always ends now. A `reason` is kept in
 * the subscription's metadata as `cancellation_reason`, so it reaches the merchant with the event.
 */
export async function cancelSubscription(
  ctx: ServiceContext,
  input: CancelSubscriptionInput,
): Promise<Subscription> {
  const data = parseInput(CancelSubscriptionInput, input);
  const { canceled, toCollect } = await inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, data.id, { forUpdate: true });
    assertState(subscription.status, LIVE_SUBSCRIPTION_STATUSES, 'cancel a subscription');
    const now = ctx.clock.now();
    // A paused subscription is not billed and the billing job never reaches its period end, so
    // "at period end" would never come: it ends now.
    const immediately = data.immediately || subscription.status === 'paused';
    const toCollect = immediately ? await billElapsed(tx, ctx, subscription, now) : null;
    const metadata = data.reason
      ? { ...subscription.metadata, [CANCELLATION_REASON_KEY]: data.reason }
      : subscription.metadata;
    const next: Subscription = immediately
      ? {
          ...subscription,
          status: 'canceled',
          canceledAt: now,
          endedAt: now,
          cancelAt: now,
          metadata,
          updatedAt: now,
        }
      : {
          ...subscription,
          cancelAt: subscription.currentPeriodEnd,
          canceledAt: now,
          metadata,
          updatedAt: now,
        };
    const type = immediately ? 'subscription.canceled' : 'subscription.updated';
    return { canceled: await saveSubscription(tx, ctx, subscription, next, type), toCollect };
  });
  if (toCollect) await collectQuietly(ctx, toCollect);
  return canceled;
}
