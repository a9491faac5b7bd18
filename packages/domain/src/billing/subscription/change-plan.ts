import type { ServiceContext, StoreTx } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { periodAlreadyInvoiced } from '../invoice/create-invoice.js';
import { loadPlan, loadSubscription } from '../load.js';
import type { Plan, Subscription } from '../model.js';
import { ChangePlanInput } from '../schemas.js';
import { assertChangeable, assertPlanChange, prorationLines } from './plan-change-lines.js';
import { saveSubscription } from './record.js';

/**
 * Periods are billed at their end with the plan's base price, so after a prorated change the
 * period's invoice must still charge the plan the period started on: the proration lines then move
 * its unused part to the new plan. The first prorated change of a period keeps that base line
 * waiting for the period's invoice (later changes in the same period leave it as it is).
 */
async function keepPeriodBase(
  tx: StoreTx,
  ctx: ServiceContext,
  subscription: Subscription,
  from: Plan,
): Promise<void> {
  const waiting = await tx.listPendingLines(ctx.scope, subscription.id);
  const start = subscription.currentPeriodStart.getTime();
  if (waiting.some((line) => line.kind === 'base' && line.periodStart.getTime() === start)) return;
  // A period invoiced by hand already charged `from`'s base: only the prorations remain.
  if (await periodAlreadyInvoiced(tx, ctx, subscription)) return;
  await tx.insertPendingLine(ctx.scope, subscription.id, {
    id: ctx.ids.newId('lineItem'),
    kind: 'base',
    description: `${from.name} (${from.pricing.billingPeriod})`,
    featureKey: null,
    quantity: 1,
    amount: { amount: from.pricing.baseAmount, currency: from.currency },
    periodStart: subscription.currentPeriodStart,
    periodEnd: subscription.currentPeriodEnd,
  });
}

/**
 * Moves a subscription to another plan of the same currency. With `prorate` (default) during a
 * paid period, the unused fraction of the old base price is credited and the remaining fraction of
 * the new one charged, by seconds, as proration lines on the next invoice.
 */
export async function changePlan(
  ctx: ServiceContext,
  input: ChangePlanInput,
): Promise<Subscription> {
  const data = parseInput(ChangePlanInput, input);
  return inTransaction(ctx, async (tx) => {
    const subscription = await loadSubscription(tx, ctx, data.id, { forUpdate: true });
    assertChangeable(subscription);
    const from = await loadPlan(tx, ctx, subscription.planId, 'planId');
    const to = await loadPlan(tx, ctx, data.planId, 'planId');
    assertPlanChange(subscription, from, to);
    const now = ctx.clock.now();
    if (subscription.status !== 'trialing' && to.id !== from.id) {
      // The period started on `from`: its invoice charges `from`'s base either way; proration
      // then moves the unused part to `to`, and without it `to` starts at the next period.
      await keepPeriodBase(tx, ctx, subscription, from);
      if (data.prorate) {
        for (const line of prorationLines(ctx, subscription, from, to, now)) {
          await tx.insertPendingLine(ctx.scope, subscription.id, line);
        }
      }
    }
    // A new billing period length starts at the next boundary: anchor the new plan's periods there.
    const reanchor = to.pricing.billingPeriod !== from.pricing.billingPeriod;
    const next: Subscription = {
      ...subscription,
      planId: to.id,
      ...(reanchor ? { billingAnchor: subscription.currentPeriodEnd } : {}),
      updatedAt: now,
    };
    return saveSubscription(tx, ctx, subscription, next, 'subscription.updated');
  });
}
