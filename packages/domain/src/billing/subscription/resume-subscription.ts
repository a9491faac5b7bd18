import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { assertState, loadPlan, loadSubscription } from '../load.js';
import type { Subscription } from '../model.js';
import { addPeriod } from '../periods.js';
import { SubscriptionIdInput } from '../schemas.js';
import { saveSubscription } from './record.js';

/**
 * Resumes a paused subscription as `active` with a fresh billing period starting now, so the
 * paused time is never billed.
 */
export async function resumeSubscription(
  ctx: ServiceContext,
  input: SubscriptionIdInput,
): Promise<Subscription> {
  const { id } = parseInput(SubscriptionIdInput, input);
  return inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, id, { forUpdate: true });
    assertState(subscription.status, ['paused'], 'resume a subscription');
    const plan = await loadPlan(tx, ctx, subscription.planId, 'planId');
    const now = ctx.clock.now();
    const next: Subscription = {
      ...subscription,
      status: 'active',
      pausedAt: null,
      currentPeriodStart: now,
      currentPeriodEnd: addPeriod(now, plan.pricing.billingPeriod),
      billingAnchor: now,
      updatedAt: now,
    };
    return saveSubscription(tx, ctx, subscription, next, 'subscription.resumed');
  });
}
