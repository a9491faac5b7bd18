import type { CustomerId } from '../../ids.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import type { Feature, Plan, Subscription } from '../model.js';

/** Subscriptions whose plan still grants its features (paused ones do not). */
export const ENTITLED_STATUSES = ['active', 'trialing', 'past_due'] as const;

/** A feature as one of the customer's subscriptions grants it. */
export interface GrantedFeature {
  feature: Feature;
  plan: Plan;
  subscription: Subscription;
}

/** Every feature the customer's entitled subscriptions grant, first subscription first. */
export async function grantedFeatures(
  tx: StoreTx,
  ctx: ServiceContext,
  customerId: CustomerId,
): Promise<GrantedFeature[]> {
  const subscriptions = await tx.listCustomerSubscriptions(ctx.scope, customerId);
  const granted: GrantedFeature[] = [];
  for (const subscription of subscriptions) {
    if (!(ENTITLED_STATUSES as readonly string[]).includes(subscription.status)) continue;
    const plan = await tx.getPlan(ctx.scope, subscription.planId);
    for (const feature of plan?.features ?? []) {
      if (plan) granted.push({ feature, plan, subscription });
    }
  }
  return granted;
}

/**
 * How much of a feature the customer has used: metered features add up their events over the
 * window (the subscription's current period; since it started for `period: "none"`), seats are a
 * gauge (the latest reported count).
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
  const from = feature.period === 'none' ? subscription.createdAt : subscription.currentPeriodStart;
  const to = feature.period === 'none' ? new Date(8.64e15) : subscription.currentPeriodEnd;
  return tx.sumUsage(ctx.scope, subscription.customerId, feature.key, from, to);
}

/** `limit − used`, never negative; -1 (unlimited) stays -1. */
export function remainingOf(limit: number, used: number): number {
  return limit === -1 ? -1 : Math.max(0, limit - used);
}
