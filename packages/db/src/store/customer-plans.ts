import type {
  BillingStore,
  CustomerId,
  GrantingPlan,
  GrantingSubscription,
  Pricing,
  Scope,
  Subscription,
  SubscriptionId,
} from '@ledger/domain';
import { and, asc, eq, is, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../database.js';
import { customers, plans, subscriptions } from '../schema/index.js';
import { byKey, groupedRead, keyColumn, readKeysParam } from './grouped-read.js';
import { statementOn } from './prepared.js';
import { inScopePlaceholders } from './scope.js';
import { planOfSubscription } from './subscriptions.js';
import { usageTotalOf } from './usage.js';

/** What `getCustomerPlans` answers for a customer that exists. */
type Held = Array<{ subscription: GrantingSubscription; plan: GrantingPlan; periodUsage?: number }>;

/** The columns a customer's grants are counted by: of the subscription, and of its plan. */
const grantColumns = {
  customerId: customers.id,
  subscriptionId: subscriptions.id,
  status: subscriptions.status,
  createdAt: subscriptions.createdAt,
  currentPeriodStart: subscriptions.currentPeriodStart,
  currentPeriodEnd: subscriptions.currentPeriodEnd,
  features: plans.features,
  billingPeriod: sql<Pricing['billingPeriod'] | null>`${plans.pricing}->>'billingPeriod'`,
};

/** The customer's subscriptions in its scope, and their plans, joined to `customers`. */
const subscriptionOfCustomer = and(
  eq(subscriptions.tenantId, customers.tenantId),
  eq(subscriptions.appId, customers.appId),
  eq(subscriptions.customerId, customers.id),
);

/**
 * A customer's id with what each of its subscriptions' grants are counted by (none: one row, all
 * null), by `tenantId`, `appId` and `customerId` placeholders: a usage read's. Only those
 * columns: the whole rows (four JSON documents and a dozen timestamps) were most of what the read
 * cost to send and to map. `prepare` names it for `statementOn`.
 */
function customerPlans(db: Db, prepare: boolean) {
  const query = db
    .select(grantColumns)
    .from(customers)
    .leftJoin(subscriptions, subscriptionOfCustomer)
    .leftJoin(plans, planOfSubscription)
    .where(and(inScopePlaceholders(customers), eq(customers.id, sql.placeholder('customerId'))))
    .orderBy(asc(subscriptions.id));
  return prepare ? query.prepare('customer_plans') : query;
}

/**
 * {@link customerPlans} of several reads in one statement, each also with its feature's usage over
 * each subscription's current period (an entitlement check's sum): the `keys` placeholder is a
 * JSON array of `{i, tenant_id, app_id, id, feature_key}` read by `ledger_read_keys` (migration
 * 0018), and each row carries the `i` of its read. Every read is joined within its own scope.
 */
function customerPlansWithUsage(db: Db, prepare: boolean) {
  const usage = usageTotalOf({
    tenantId: customers.tenantId,
    appId: customers.appId,
    customerId: customers.id,
    featureKey: keyColumn('feature_key'),
    start: subscriptions.currentPeriodStart,
    end: subscriptions.currentPeriodEnd,
  });
  const query = db
    .select({
      i: sql<number>`k.i`,
      ...grantColumns,
      periodUsage: sql<string | number | null>`${usage}`,
    })
    .from(sql`ledger_read_keys(${sql.placeholder('keys')}::jsonb) as k`)
    .innerJoin(customers, byKey(customers, customers.id, 'id'))
    .leftJoin(subscriptions, subscriptionOfCustomer)
    .leftJoin(plans, planOfSubscription)
    .orderBy(keyColumn('i'), asc(subscriptions.id));
  return prepare ? query.prepare('customer_plans_usage') : query;
}

type GrantRow = Awaited<ReturnType<ReturnType<typeof customerPlans>['execute']>>[number] & {
  periodUsage?: string | number | null;
};

/** A row's subscription and plan, or null for the row of a customer without subscriptions. */
function heldOf(row: GrantRow, withUsage: boolean): Held[number] | null {
  const { subscriptionId, status, createdAt, currentPeriodStart, currentPeriodEnd } = row;
  if (!subscriptionId || !status || !createdAt || !currentPeriodStart || !currentPeriodEnd)
    return null;
  if (!row.features || !row.billingPeriod) return null;
  return {
    subscription: {
      id: subscriptionId as SubscriptionId,
      customerId: row.customerId as CustomerId,
      status: status as Subscription['status'],
      createdAt,
      currentPeriodStart,
      currentPeriodEnd,
    },
    plan: { features: row.features, pricing: { billingPeriod: row.billingPeriod } },
    ...(withUsage ? { periodUsage: Number(row.periodUsage ?? 0) } : {}),
  };
}

/** What each read of `rows` holds, by its `i` (null: no such customer). */
function heldByRead(rows: Array<GrantRow & { i: number }>, reads: number): Array<Held | null> {
  const held: Array<Held | null> = Array.from({ length: reads }, () => null);
  for (const row of rows) {
    const list = held[row.i] ?? [];
    held[row.i] = list;
    const one = heldOf(row, true);
    if (one) list.push(one);
  }
  return held;
}

/** One read of a customer's plans with usage, in its scope. */
interface PlansRead {
  scope: Scope;
  customerId: CustomerId;
  featureKey: string;
}

/** Reads them all in one statement; each answer in the order asked. */
async function readPlans(db: Db, reads: readonly PlansRead[]): Promise<Array<Held | null>> {
  const keys = readKeysParam(
    reads.map(({ scope, customerId, featureKey }) => ({ scope, id: customerId, featureKey })),
  );
  const rows = await statementOn(db, customerPlansWithUsage).execute({ keys });
  return heldByRead(rows, reads.length);
}

/**
 * The reads of customers' plans with usage that entitlement checks make outside a transaction,
 * gathered into one statement per turn of the event loop (as their inserts are gathered).
 */
const planReader = groupedRead(readPlans);

/** The customer-plans read over either driver. */
export function customerPlansStore(db: Db): Pick<BillingStore, 'getCustomerPlans'> {
  return {
    async getCustomerPlans(scope, customerId, options) {
      const featureKey = options?.periodUsageOf;
      if (featureKey !== undefined) {
        const read = { scope, customerId, featureKey };
        // Inside a transaction, on its connection, alone; outside, with concurrent reads.
        const held = is(db, PgTransaction)
          ? ((await readPlans(db, [read]))[0] ?? null)
          : await planReader(db)(read);
        return held ? { subscriptions: held } : null;
      }
      const rows = await statementOn(db, customerPlans).execute({ ...scope, customerId });
      if (rows.length === 0) return null;
      const held: Held = [];
      for (const row of rows) {
        const one = heldOf(row, false);
        if (one) held.push(one);
      }
      return { subscriptions: held };
    },
  };
}
