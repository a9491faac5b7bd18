import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { collectQuietly } from '../invoice/collect-invoice.js';
import { assertState, loadSubscription } from '../load.js';
import type { Subscription } from '../model.js';
import { SubscriptionIdInput } from '../schemas.js';
import { billElapsed } from './bill-elapsed.js';
import { saveSubscription } from './record.js';

/**
 * Pauses billing and entitlements. The part of the period already used is billed now (prorated
 * base, usage so far) and charged; nothing is billed while paused, and resuming starts a new
 * period.
 */
export async function pauseSubscription(
  ctx: ServiceContext,
  input: SubscriptionIdInput,
): Promise<Subscription> {
  const { id } = parseInput(SubscriptionIdInput, input);
  const { paused, toCollect } = await inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, id, { forUpdate: true });
    assertState(subscription.status, ['active', 'trialing', 'past_due'], 'pause a subscription');
    const now = ctx.clock.now();
    const toCollect = await billElapsed(tx, ctx, subscription, now);
    const next: Subscription = { ...subscription, status: 'paused', pausedAt: now, updatedAt: now };
    return {
      paused: await saveSubscription(tx, ctx, subscription, next, 'subscription.paused'),
      toCollect,
    };
  });
  if (toCollect) await collectQuietly(ctx, toCollect);
  return paused;
}
