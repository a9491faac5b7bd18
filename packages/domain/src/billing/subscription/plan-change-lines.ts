import { LedgerError } from '../../errors.js';
import type { ServiceContext } from '../../ports.js';
import { assertState } from '../load.js';
import type { LineItem, Plan, Subscription } from '../model.js';
import { addPeriod } from '../periods.js';
import { prorate } from '../proration.js';

/** Refuses a plan change of a subscription that is not `active`, `trialing` or `past_due`. */
export function assertChangeable(subscription: Subscription): void {
  assertState(
    subscription.status,
    ['active', 'trialing', 'past_due'],
    'change the plan of a subscription',
  );
}

/**
 * Refuses a plan change the API refuses: a subscription not `active`/`trialing`/`past_due`, an
 * archived plan or one in another currency. Shared by `changePlan` and `previewPlanChange`, so a
 * preview never promises a change the verb would refuse.
 */
export function assertPlanChange(subscription: Subscription, from: Plan, to: Plan): void {
  assertChangeable(subscription);
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
}

/**
 * The proration lines of moving `subscription` from `from` to `to` at `now`: the unused fraction
 * of the old base price credited, the remaining fraction of the new one charged, by seconds. The
 * one computation behind `changePlan` (which stores them) and `previewPlanChange` (which shows them).
 */
export function prorationLines(
  ctx: Pick<ServiceContext, 'ids'>,
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
