import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { assertState, loadSubscription } from '../load.js';
import type { Subscription } from '../model.js';
import { SubscriptionIdInput } from '../schemas.js';
import { saveSubscription } from './record.js';

/** Pauses billing and entitlements; a paused subscription is not billed until resumed. */
export async function pauseSubscription(
  ctx: ServiceContext,
  input: SubscriptionIdInput,
): Promise<Subscription> {
  const { id } = parseInput(SubscriptionIdInput, input);
  return inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, id, { forUpdate: true });
    assertState(subscription.status, ['active', 'trialing', 'past_due'], 'pause a subscription');
    const now = ctx.clock.now();
    const next: Subscription = { ...subscription, status: 'paused', pausedAt: now, updatedAt: now };
    return saveSubscription(tx, ctx, subscription, next, 'subscription.paused');
  });
}
