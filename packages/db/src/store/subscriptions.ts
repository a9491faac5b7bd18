import type {
  BillingStore,
  CustomerId,
  PlanId,
  Subscription,
  SubscriptionId,
} from '@ledger/domain';
import { and, asc, count, eq, inArray, lte, notInArray } from 'drizzle-orm';
import type { Db } from '../database.js';
import { plans, subscriptions } from '../schema/index.js';
import { toPlan } from './plans.js';
import { inScope } from './scope.js';

type Row = typeof subscriptions.$inferSelect;

/** A subscription's plan, joined within the scope. */
export const planOfSubscription = and(
  eq(plans.tenantId, subscriptions.tenantId),
  eq(plans.appId, subscriptions.appId),
  eq(plans.id, subscriptions.planId),
);

/** A subscription row as the domain model; shared with the export. */
export function toSubscription(row: Row): Subscription {
  const { tenantId: _t, appId: _a, ...rest } = row;
  return {
    ...rest,
    id: row.id as SubscriptionId,
    customerId: row.customerId as CustomerId,
    planId: row.planId as PlanId,
    status: row.status as Subscription['status'],
    billingAnchor: row.billingAnchor ?? row.currentPeriodStart,
  };
}

type SubscriptionMethods =
  | 'insertSubscription'
  | 'getSubscription'
  | 'updateSubscription'
  | 'listCustomerSubscriptions'
  | 'listSubscriptionPlans'
  | 'countSubscriptions'
  | 'claimDueSubscriptions';

/** Subscriptions over either driver. */
export function subscriptionStore(db: Db): Pick<BillingStore, SubscriptionMethods> {
  return {
    async insertSubscription(scope, subscription) {
      await db.insert(subscriptions).values({ ...scope, ...subscription });
    },
    async getSubscription(scope, id, options) {
      const query = db
        .select()
        .from(subscriptions)
        .where(and(inScope(subscriptions, scope), eq(subscriptions.id, id)));
      const rows = options?.forUpdate ? await query.for('update') : await query;
      return rows[0] ? toSubscription(rows[0]) : null;
    },
    async updateSubscription(scope, subscription) {
      const { id, customerId: _c, createdAt: _d, ...fields } = subscription;
      await db
        .update(subscriptions)
        .set(fields)
        .where(and(inScope(subscriptions, scope), eq(subscriptions.id, id)));
    },
    async listCustomerSubscriptions(scope, customerId, status, options) {
      const query = db
        .select()
        .from(subscriptions)
        .where(
          and(
            inScope(subscriptions, scope),
            eq(subscriptions.customerId, customerId),
            status ? eq(subscriptions.status, status) : undefined,
          ),
        )
        .orderBy(asc(subscriptions.id));
      const rows = options?.forShare ? await query.for('share') : await query;
      return rows.map(toSubscription);
    },
    async listSubscriptionPlans(scope, customerId, options) {
      const query = db
        .select({ subscription: subscriptions, plan: plans })
        .from(subscriptions)
        .innerJoin(plans, planOfSubscription)
        .where(and(inScope(subscriptions, scope), eq(subscriptions.customerId, customerId)))
        .orderBy(asc(subscriptions.id));
      const rows = options?.forShare
        ? await query.for('share', { of: subscriptions })
        : await query;
      return rows.map((row) => ({
        subscription: toSubscription(row.subscription),
        plan: toPlan(row.plan),
      }));
    },
    async countSubscriptions(scope, customerId, statuses) {
      const rows = await db
        .select({ n: count() })
        .from(subscriptions)
        .where(
          and(
            inScope(subscriptions, scope),
            eq(subscriptions.customerId, customerId),
            inArray(subscriptions.status, [...statuses]),
          ),
        );
      return rows[0]?.n ?? 0;
    },
    async claimDueSubscriptions(now, limit, skip = []) {
      const rows = await db
        .select()
        .from(subscriptions)
        .where(
          and(
            inArray(subscriptions.status, ['active', 'trialing', 'past_due']),
            lte(subscriptions.currentPeriodEnd, now),
            skip.length > 0 ? notInArray(subscriptions.id, [...skip]) : undefined,
          ),
        )
        .orderBy(asc(subscriptions.currentPeriodEnd))
        .limit(limit)
        .for('update', { skipLocked: true });
      return rows.map((row) => ({
        scope: { tenantId: row.tenantId, appId: row.appId },
        subscription: toSubscription(row),
      }));
    },
  };
}
