import type {
  BillingStore,
  CustomerId,
  PlanId,
  Pricing,
  Subscription,
  SubscriptionId,
} from '@ledger/domain';
import { and, asc, count, eq, inArray, lte, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { customers, plans, subscriptions } from '../schema/index.js';
import { toPlan } from './plans.js';
import { statementOn } from './prepared.js';
import { inScope, inScopePlaceholders } from './scope.js';
import { usageTotalOf } from './usage.js';

type Row = typeof subscriptions.$inferSelect;

/** A subscription's plan, joined within the scope. */
const planOfSubscription = and(
  eq(plans.tenantId, subscriptions.tenantId),
  eq(plans.appId, subscriptions.appId),
  eq(plans.id, subscriptions.planId),
);

/**
 * A customer's id with what each of its subscriptions' grants are counted by (the subscription's
 * status and dates, its plan's features and billing period; none: one row, all null), by
 * `tenantId`, `appId` and `customerId` placeholders; with `periodUsage`, also each subscription's
 * usage of the `featureKey` placeholder's feature over its current period (an entitlement check's
 * sum, in the same read). Only those columns: the whole rows (four JSON documents and a dozen
 * timestamps) were most of what a check's read cost to send and to map. `prepare` names it for
 * `statementOn`.
 */
function customerPlansOf(periodUsage: boolean) {
  return (db: Db, prepare: boolean) => {
    const usage = usageTotalOf({
      tenantId: customers.tenantId,
      appId: customers.appId,
      customerId: customers.id,
      featureKey: sql`${sql.placeholder('featureKey')}::text`,
      start: subscriptions.currentPeriodStart,
      end: subscriptions.currentPeriodEnd,
    });
    const query = db
      .select({
        customerId: customers.id,
        subscriptionId: subscriptions.id,
        status: subscriptions.status,
        createdAt: subscriptions.createdAt,
        currentPeriodStart: subscriptions.currentPeriodStart,
        currentPeriodEnd: subscriptions.currentPeriodEnd,
        features: plans.features,
        billingPeriod: sql<Pricing['billingPeriod'] | null>`${plans.pricing}->>'billingPeriod'`,
        periodUsage: periodUsage ? sql<string | number | null>`${usage}` : sql<null>`null`,
      })
      .from(customers)
      .leftJoin(
        subscriptions,
        and(
          eq(subscriptions.tenantId, customers.tenantId),
          eq(subscriptions.appId, customers.appId),
          eq(subscriptions.customerId, customers.id),
        ),
      )
      .leftJoin(plans, planOfSubscription)
      .where(and(inScopePlaceholders(customers), eq(customers.id, sql.placeholder('customerId'))))
      .orderBy(asc(subscriptions.id));
    return prepare ? query.prepare(periodUsage ? 'customer_plans_usage' : 'customer_plans') : query;
  };
}

const customerPlans = customerPlansOf(false);
const customerPlansWithUsage = customerPlansOf(true);

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
  | 'getCustomerPlans'
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
    async getCustomerPlans(scope, customerId, options) {
      const featureKey = options?.periodUsageOf;
      const rows =
        featureKey === undefined
          ? await statementOn(db, customerPlans).execute({ ...scope, customerId })
          : await statementOn(db, customerPlansWithUsage).execute({
              ...scope,
              customerId,
              featureKey,
            });
      if (rows.length === 0) return null;
      const held = [];
      for (const row of rows) {
        const { subscriptionId, status, createdAt, currentPeriodStart, currentPeriodEnd } = row;
        if (!subscriptionId || !status || !createdAt || !currentPeriodStart || !currentPeriodEnd)
          continue;
        if (!row.features || !row.billingPeriod) continue;
        held.push({
          subscription: {
            id: subscriptionId as SubscriptionId,
            customerId,
            status: status as Subscription['status'],
            createdAt,
            currentPeriodStart,
            currentPeriodEnd,
          },
          plan: { features: row.features, pricing: { billingPeriod: row.billingPeriod } },
          ...(featureKey === undefined ? {} : { periodUsage: Number(row.periodUsage ?? 0) }),
        });
      }
      return { subscriptions: held };
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
