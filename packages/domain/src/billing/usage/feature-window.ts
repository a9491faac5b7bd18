import { LedgerError } from '../../errors.js';
import type { CustomerId } from '../../ids.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import type { Feature, GrantingPlan, GrantingSubscription } from '../model.js';
import { addPeriod } from '../periods.js';

/** Subscriptions whose plan still grants its features (paused ones do not). */
export const ENTITLED_STATUSES = ['active', 'trialing', 'past_due'] as const;

/** A feature as one of the customer's subscriptions grants it. */
export interface GrantedFeature {
  feature: Feature;
  plan: GrantingPlan;
  subscription: GrantingSubscription;
  /** The feature's usage over the subscription's current period, when the read brought it. */
  periodUsage?: number;
}

/** The features entitled subscriptions grant, first subscription first. */
function entitledFeatures(
  held: ReadonlyArray<{
    subscription: GrantingSubscription;
    plan: GrantingPlan;
    periodUsage?: number;
  }>,
  periodUsageOf?: string,
): GrantedFeature[] {
  const granted: GrantedFeature[] = [];
  for (const { subscription, plan, periodUsage } of held) {
    if (!(ENTITLED_STATUSES as readonly string[]).includes(subscription.status)) continue;
    for (const feature of plan.features) {
      granted.push(
        feature.key === periodUsageOf && periodUsage !== undefined
          ? { feature, plan, subscription, periodUsage }
          : { feature, plan, subscription },
      );
    }
  }
  return granted;
}

/** Every feature the customer's entitled subscriptions grant, first subscription first. */
export async function grantedFeatures(
  tx: StoreTx,
  ctx: ServiceContext,
  customerId: CustomerId,
  options: { forShare?: boolean } = {},
): Promise<GrantedFeature[]> {
  return entitledFeatures(await tx.listSubscriptionPlans(ctx.scope, customerId, options));
}

/**
 * The customer's granted features in one read, for usage reads and entitlement checks (which lock
 * nothing); `customer_not_found` naming `param` when the scope has no such customer. With
 * `periodUsageOf`, that feature's grants carry their period's usage from the same read.
 */
export async function customerGrants(
  tx: StoreTx,
  ctx: ServiceContext,
  customerId: CustomerId,
  param: string,
  periodUsageOf?: string,
): Promise<GrantedFeature[]> {
  const found = await tx.getCustomerPlans(
    ctx.scope,
    customerId,
    periodUsageOf === undefined ? undefined : { periodUsageOf },
  );
  if (!found)
    throw new LedgerError('customer_not_found', `No customer ${customerId}`, { param: [param] });
  return entitledFeatures(found.subscriptions, periodUsageOf);
}

/**
 * The window a metered feature's limit counts over at `at`: the subscription's current period when
 * the feature's period is the plan's billing period; since the subscription started for
 * `period: "none"`; otherwise the month or year, counted from the subscription's start, that
 * holds `at` (a yearly allowance on a monthly plan does not reset every month).
 */
export function featureWindow(granted: GrantedFeature, at: Date): { from: Date; to: Date } {
  const { feature, plan, subscription } = granted;
  if (feature.period === 'none') return { from: subscription.createdAt, to: new Date(8.64e15) };
  if (feature.period === plan.pricing.billingPeriod) {
    return { from: subscription.currentPeriodStart, to: subscription.currentPeriodEnd };
  }
  const anchor = subscription.createdAt;
  const months = feature.period === 'monthly' ? 1 : 12;
  const elapsed =
    (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + at.getUTCMonth() - anchor.getUTCMonth();
  let count = Math.max(0, Math.floor(elapsed / months) - 1);
  while (addPeriod(anchor, 'monthly', (count + 1) * months) <= at) count++;
  return {
    from: addPeriod(anchor, 'monthly', count * months),
    to: addPeriod(anchor, 'monthly', (count + 1) * months),
  };
}

/**
 * How much of a feature the customer has used at `until`: metered features add up their events
 * over the feature's window ({@link featureWindow}), seats are a gauge (the latest reported count).
 * A window that is the subscription's current period takes the grant's `periodUsage` when the
 * read brought it, without another statement.
 */
export async function usedQuantity(
  tx: StoreTx,
  ctx: ServiceContext,
  granted: GrantedFeature,
  until: Date,
): Promise<number> {
  const { feature, subscription } = granted;
  if (feature.type === 'seat')
    return tx.latestUsage(ctx.scope, subscription.customerId, feature.key, until);
  if (feature.type !== 'metered') return 0;
  const { from, to } = featureWindow(granted, until);
  if (
    granted.periodUsage !== undefined &&
    from.getTime() === subscription.currentPeriodStart.getTime() &&
    to.getTime() === subscription.currentPeriodEnd.getTime()
  )
    return granted.periodUsage;
  return tx.sumUsage(ctx.scope, subscription.customerId, feature.key, from, to);
}

/** `limit − used`, never negative; -1 (unlimited) stays -1. */
export function remainingOf(limit: number, used: number): number {
  return limit === -1 ? -1 : Math.max(0, limit - used);
}
