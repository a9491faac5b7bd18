import type { BillingStore } from '@ledger/domain';
import { and, desc, eq, is, lte, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../database.js';
import { usageEvents } from '../schema/index.js';
import { checkRecorder, insertChecks } from './entitlement-checks.js';
import { fixedStatement, statementOn } from './prepared.js';
import { inScope, rowsOf } from './scope.js';

type UsageMethods =
  | 'insertUsageEvents'
  | 'usageEventIdByKey'
  | 'sumUsage'
  | 'latestUsage'
  | 'insertEntitlementCheck';

/** A bound as PostgreSQL reads it: JavaScript's far dates (an open window's end) are `infinity`. */
function bound(date: Date): string {
  return date.getUTCFullYear() > 9999 ? 'infinity' : date.toISOString();
}

/** The terms of a usage total as SQL: whose, of which feature, over which window [start, end). */
export interface UsageTerms {
  tenantId: SQLWrapper;
  appId: SQLWrapper;
  customerId: SQLWrapper;
  featureKey: SQLWrapper;
  /** A `timestamptz`, as is `end`. */
  start: SQLWrapper;
  end: SQLWrapper;
}

/**
 * A customer's usage of a feature in [start, end), as a scalar subquery over the running totals.
 * Totals wholly inside the window are added up; a UTC day holding a total that crosses an edge
 * (one not known when its events were stored) is counted from its raw events instead, through
 * `ledger_raw_usage` (migration 0019), so the statement's cost does not grow with the events
 * table's statistics (see the migration for what that did to a prepared check). Totals of
 * earlier days cannot reach `start`: each holds events of its own day only. One text for every
 * reader, so a check's combined read ({@link UsageTerms} of a subscription's period) and
 * `sumUsage` cannot count differently.
 */
export function usageTotalOf(t: UsageTerms): SQL {
  return sql`(with buckets as (
          select quantity, bucket_start, last_at,
            date_trunc('day', bucket_start at time zone 'UTC') at time zone 'UTC' as day
          from usage_aggregates
          where tenant_id = ${t.tenantId} and app_id = ${t.appId}
            and customer_id = ${t.customerId} and feature_key = ${t.featureKey}
            and bucket_start >= date_trunc('day', ${t.start} at time zone 'UTC') at time zone 'UTC'
            and bucket_start < ${t.end}
        ), edges as (
          select distinct day from buckets
          where (bucket_start < ${t.start} and last_at >= ${t.start})
            or last_at >= ${t.end}
        )
        select
          (select coalesce(sum(quantity), 0) from buckets
            where bucket_start >= ${t.start} and last_at < ${t.end}
              and day not in (select day from edges))
          + (select coalesce(sum(ledger_raw_usage(${t.tenantId}, ${t.appId}, ${t.customerId},
              ${t.featureKey}, greatest(${t.start}, edges.day),
              least(${t.end}, edges.day + interval '24 hours'))), 0) from edges)
          as total)`;
}

/**
 * {@link usageTotalOf} by placeholders (`tenantId`, `appId`, `customerId`, `featureKey`, `start`,
 * `end` as {@link bound} writes them), each sent once. `prepare` names it for `statementOn`.
 */
function usageTotal(db: Db, prepare: boolean) {
  const window = sql`(select ${sql.placeholder('tenantId')}::text as tenant_id,
    ${sql.placeholder('appId')}::text as app_id, ${sql.placeholder('customerId')}::text as customer_id,
    ${sql.placeholder('featureKey')}::text as feature_key,
    ${sql.placeholder('start')}::timestamptz as start, ${sql.placeholder('end')}::timestamptz as "end")`;
  const total = usageTotalOf({
    tenantId: sql`w.tenant_id`,
    appId: sql`w.app_id`,
    customerId: sql`w.customer_id`,
    featureKey: sql`w.feature_key`,
    start: sql`w.start`,
    end: sql`w."end"`,
  });
  const query = db
    .select({ total: sql<string | number>`t.total` })
    .from(sql`(select ${total} as total from ${window} w) as t`);
  return prepare ? query.prepare('usage_total') : query;
}

/**
 * A batch of usage events in one statement, its rows one JSON parameter (no limit on their
 * number): idempotency keys already stored are skipped (`do nothing`), and the trigger of
 * migration 0015 adds the stored rows to their running totals. Built once.
 */
const INSERT_USAGE = fixedStatement(
  () => sql`
    insert into usage_events (tenant_id, app_id, id, customer_id, feature_key, quantity,
      "timestamp", idempotency_key, created_at, bucket_start)
    select ${sql.placeholder('tenantId')}::text, ${sql.placeholder('appId')}::text, r.*
    from jsonb_to_recordset(${sql.placeholder('rows')}::jsonb) as r(id text, customer_id text,
      feature_key text, quantity bigint, "timestamp" timestamptz, idempotency_key text,
      created_at timestamptz, bucket_start timestamptz)
    on conflict (tenant_id, app_id, idempotency_key) do nothing
    returning id`,
);

/** Usage and entitlement checks over either driver. */
export function usageStore(db: Db): Pick<BillingStore, UsageMethods> {
  return {
    async insertUsageEvents(scope, records) {
      if (records.length === 0) return new Set();
      const rows = records.map(({ event, bucketStart }) => ({
        id: event.id,
        customer_id: event.customerId,
        feature_key: event.featureKey,
        quantity: event.quantity,
        timestamp: event.timestamp.toISOString(),
        idempotency_key: event.idempotencyKey,
        created_at: event.createdAt.toISOString(),
        bucket_start: bucketStart.toISOString(),
      }));
      const result = await INSERT_USAGE(db, { ...scope, rows: JSON.stringify(rows) });
      return new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
    },
    async usageEventIdByKey(scope, idempotencyKey) {
      const rows = await db
        .select({ id: usageEvents.id })
        .from(usageEvents)
        .where(and(inScope(usageEvents, scope), eq(usageEvents.idempotencyKey, idempotencyKey)));
      return rows[0]?.id ?? null;
    },
    async sumUsage(scope, customerId, featureKey, from, to) {
      const values = { ...scope, customerId, featureKey, start: bound(from), end: bound(to) };
      const rows = await statementOn(db, usageTotal).execute(values);
      return Number(rows[0]?.total ?? 0);
    },
    async latestUsage(scope, customerId, featureKey, until) {
      const rows = await db
        .select({ quantity: usageEvents.quantity })
        .from(usageEvents)
        .where(
          and(
            inScope(usageEvents, scope),
            eq(usageEvents.customerId, customerId),
            eq(usageEvents.featureKey, featureKey),
            lte(usageEvents.timestamp, until),
          ),
        )
        .orderBy(desc(usageEvents.timestamp), desc(usageEvents.id))
        .limit(1);
      return rows[0]?.quantity ?? 0;
    },
    // Outside a transaction, group-committed with concurrent checks; inside one, its own row.
    insertEntitlementCheck: is(db, PgTransaction)
      ? (scope, check) => insertChecks(db, [{ scope, check }])
      : checkRecorder(db),
  };
}
