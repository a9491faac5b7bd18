import { LedgerError } from '../../errors.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { periodAlreadyInvoiced } from '../invoice/create-invoice.js';
import { assertState, loadPlan, loadSubscription } from '../load.js';
import type { LineItem, Plan, Subscription } from '../model.js';
import { addPeriod } from '../periods.js';
import { prorate } from '../proration.js';
import { ChangePlanInput } from '../schemas.js';
import { saveSubscription } from './record.js';

function prorationLines(
  ctx: ServiceContext,
  subscription: Subscription,
  from: Plan,
  to: Plan,
  now: Date,
): LineItem[] {
  // A plan's base price covers one of its own periods: a yearly price prorates over a year even
  // when the current period is a month.
  const start = subscription.currentPeriodStart;
  const periodOf = (plan: Plan) =>
    Math.round((addPeriod(start, plan.pricing.billingPeriod).getTime() - start.getTime()) / 1000);
  const remaining = Math.max(
    0,
    Math.round((subscription.currentPeriodEnd.getTime() - now.getTime()) / 1000),
  );
  const line = (description: string, amount: number): LineItem => ({
    id: ctx.ids.newId('lineItem'),
    kind: 'proration',
    description,
    featureKey: null,
    quantity: 1,
    amount: { amount, currency: to.currency },
    periodStart: now,
    periodEnd: subscription.currentPeriodEnd,
  });
  return [
    line(
      `Unused time on ${from.name}`,
      -prorate(from.pricing.baseAmount, remaining, periodOf(from)),
    ),
    line(`Remaining time on ${to.name}`, prorate(to.pricing.baseAmount, remaining, periodOf(to))),
  ].filter((l) => l.amount.amount !== 0);
}

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
    assertState(
      subscription.status,
      ['active', 'trialing', 'past_due'],
      'change the plan of a subscription',
    );
    const from = await loadPlan(tx, ctx, subscription.planId, 'planId');
    const to = await loadPlan(tx, ctx, data.planId, 'planId');
    if (to.status !== 'active')
      throw new LedgerError('plan_archived', `Plan ${to.id} is archived`, { param: ['planId'] });
    if (to.currency !== from.currency) {
      throw new LedgerError(
        'currency_mismatch',
        `Plan ${to.id} is priced in ${to.currency}, not ${from.currency}`,
        {
          param: ['planId'],
          details: { expected: from.currency, received: to.currency },
        },
      );
    }
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
