import type { Money } from '../../money.js';
import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { loadPlan, loadSubscription } from '../load.js';
import type { LineItem, Plan, Subscription } from '../model.js';
import { ChangePlanInput } from '../schemas.js';
import { assertChangeable, assertPlanChange, prorationLines } from './plan-change-lines.js';

/** What a plan change would do now, before it is made. */
export interface PlanChangePreview {
  subscription: Subscription;
  from: Plan;
  to: Plan;
  /** The proration lines `changePlan` would add to the next invoice (none while trialing). */
  lines: LineItem[];
  /** Their sum: positive is charged on the next invoice, negative credited. */
  amount: Money;
}

/**
 * The prorated amount of a plan change, computed exactly as `changePlan` computes it (the same
 * checks, the same lines at the same clock) and written nowhere, so a customer sees what the
 * change costs before confirming it.
 */
export async function previewPlanChange(
  ctx: ServiceContext,
  input: ChangePlanInput,
): Promise<PlanChangePreview> {
  const data = parseInput(ChangePlanInput, input);
  return inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, data.id);
    assertChangeable(subscription);
    const from = await loadPlan(tx, ctx, subscription.planId, 'planId');
    const to = await loadPlan(tx, ctx, data.planId, 'planId');
    assertPlanChange(subscription, from, to);
    const prorated = subscription.status !== 'trialing' && to.id !== from.id && data.prorate;
    const lines = prorated ? prorationLines(ctx, subscription, from, to, ctx.clock.now()) : [];
    const total = lines.reduce((sum, line) => sum + line.amount.amount, 0);
    return { subscription, from, to, lines, amount: { amount: total, currency: to.currency } };
  });
}
