import type { EventId, EventKey, EventType, LedgerEvent, OutboxStore } from '@ledger/domain';
import { and, asc, eq, gte, like, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { events, webhookDeliveries } from '../schema/index.js';
import { eventValues, INSERT_EVENT, queueDeliveriesByPlaceholder } from './event-insert.js';
import { newestFirstPage } from './newest-first.js';
import { fixedStatement } from './prepared.js';
import { inScope } from './scope.js';

/**
 * An error's text as the outbox keeps it: a failed query's text from drizzle ends with its
 * parameters (`params: …`: emails, names), which are cut, so no personal data is stored there.
 */
function withoutParameters(error: string): string {
  const at = error.search(/\s*params:/);
  return at === -1 ? error : `${error.slice(0, at)} [parameters not kept]`;
}

/** `type` as filtered (events API, replays): exact, or every type under a `prefix.*` (LIKE's `_` and `%` escaped). */
export function typeMatches(type: string) {
  if (!type.endsWith('.*')) return eq(events.type, type);
  const prefix = type.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
  return like(events.type, `${prefix}%`);
}

type Row = typeof events.$inferSelect;

export function eventFromRow(row: Row): LedgerEvent {
  return {
    id: row.id as EventId,
    type: row.type as EventType,
    tenantId: row.tenantId,
    appId: row.appId,
    customerId: row.customerId,
    sequence: row.sequence,
    createdAt: row.createdAt,
    data: row.payload.data,
    ...(row.payload.previousAttributes
      ? { previousAttributes: row.payload.previousAttributes }
      : {}),
  };
}

/** An event's row by its whole primary key (tenant_id, app_id, id), so `events_pkey` finds it. */
function byKey(scope: { tenantId: string; appId: string }, id: string) {
  return and(inScope(events, scope), eq(events.id, id));
}

/** Rows named by their whole keys, for the set-based marks (one statement for a batch). */
function byKeys(keys: readonly EventKey[]) {
  return sql`(${events.tenantId}, ${events.appId}, ${events.id}) IN (${sql.join(
    keys.map((key) => sql`(${key.tenantId}, ${key.appId}, ${key.id})`),
    sql`, `,
  )})`;
}

/** Due and not leased at `now` (raw SQL, over the row alias `alias`). */
function ready(alias: string, now: string) {
  const a = sql.raw(alias);
  return sql`${a}.next_attempt_at <= ${now}::timestamptz
    AND (${a}.locked_until IS NULL OR ${a}.locked_until < ${now}::timestamptz)`;
}

/**
 * An event and its webhook deliveries (to every subscribed endpoint, or to the endpoint
 * `onlyEndpoint`), built once: placeholders as `eventValues` names them.
 */
const APPEND = fixedStatement(
  () => sql`WITH e AS (${INSERT_EVENT}) ${queueDeliveriesByPlaceholder()}`,
);
const APPEND_FOR_ENDPOINT = fixedStatement(
  () => sql`WITH e AS (${INSERT_EVENT}) ${queueDeliveriesByPlaceholder(true)}`,
);

/** The event outbox over either driver. */
export function outboxStore(db: Db): OutboxStore {
  return {
    async appendEvent(event, options) {
      // One statement: the event and its webhook deliveries, whatever the number of endpoints.
      const values = eventValues(event, options?.owedInProcess ?? true);
      const onlyEndpoint = options?.onlyEndpoint;
      await (onlyEndpoint
        ? APPEND_FOR_ENDPOINT(db, { ...values, onlyEndpoint })
        : APPEND(db, values));
    },

    async listEvents(scope, filter) {
      const rows = await db
        .select()
        .from(events)
        .where(
          and(
            eq(events.tenantId, scope.tenantId),
            eq(events.appId, scope.appId),
            filter.customerId ? eq(events.customerId, filter.customerId) : undefined,
          ),
        )
        .orderBy(asc(events.position))
        .limit(filter.limit);
      return rows.map(eventFromRow);
    },

    async listEventsPage(scope, filter) {
      const where = and(
        inScope(events, scope),
        filter.type === undefined ? undefined : typeMatches(filter.type),
        filter.customerId ? eq(events.customerId, filter.customerId) : undefined,
        filter.createdGte ? gte(events.createdAt, filter.createdGte) : undefined,
        filter.createdLte ? lte(events.createdAt, filter.createdLte) : undefined,
      );
      return newestFirstPage(db, events, events.id, where, filter, eventFromRow);
    },

    async getEvent(scope, id) {
      const rows = await db
        .select()
        .from(events)
        .where(and(inScope(events, scope), eq(events.id, id)));
      const row = rows[0];
      return row ? eventFromRow(row) : null;
    },

    async claimEvents(nowDate, leaseDate, limit) {
      // Raw SQL bypasses drizzle's column mapping, so timestamps go in as ISO strings.
      const now = nowDate.toISOString();
      // A customer's head (its oldest undelivered event) is claimable when due and not leased;
      // locking it (SKIP LOCKED) gives this claim the customer, so the due events behind it in
      // the same run are claimed with it and one worker delivers them in order. Events of no
      // customer are heads of their own. Both probes read a partial index of undelivered rows
      // (`events_customer_pending_idx` or `events_pending_idx`, as the planner likes), so a claim
      // costs the same after 100,000 delivered events.
      const rows = await db
        .update(events)
        .set({ lockedUntil: leaseDate })
        .where(
          sql`(${events.tenantId}, ${events.appId}, ${events.id}) IN (
          WITH heads AS (
            SELECT e.tenant_id, e.app_id, e.id, e.customer_id, e.position FROM ${events} e
            WHERE e.delivered_at IS NULL AND e.dead_at IS NULL AND ${ready('e', now)}
              AND NOT EXISTS (
                SELECT 1 FROM ${events} p
                WHERE p.tenant_id = e.tenant_id AND p.app_id = e.app_id
                  AND p.customer_id = e.customer_id AND p.position < e.position
                  AND p.delivered_at IS NULL AND p.dead_at IS NULL)
            ORDER BY e.position
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED),
          runs AS (
            SELECT r.tenant_id, r.app_id, r.id, r.position,
              bool_and(${ready('r', now)}) OVER (PARTITION BY r.tenant_id, r.app_id, r.customer_id
                ORDER BY r.position) AS unbroken
            FROM heads h JOIN ${events} r ON r.tenant_id = h.tenant_id AND r.app_id = h.app_id
              AND r.customer_id = h.customer_id AND r.position > h.position
              AND r.delivered_at IS NULL AND r.dead_at IS NULL)
          SELECT picked.tenant_id, picked.app_id, picked.id FROM (
            SELECT tenant_id, app_id, id, position FROM heads
            UNION ALL SELECT tenant_id, app_id, id, position FROM runs WHERE unbroken) picked
          ORDER BY picked.position
          LIMIT ${limit})`,
        )
        .returning();
      return rows
        .sort((a, b) => a.position - b.position)
        .map((row) => ({ event: eventFromRow(row), attempts: row.attempts }));
    },

    async markEventsDelivered(keys) {
      if (keys.length === 0) return;
      await db
        .update(events)
        .set({ deliveredAt: sql`now()`, lockedUntil: null })
        .where(byKeys(keys));
    },

    async releaseEvents(keys) {
      if (keys.length === 0) return;
      await db.update(events).set({ lockedUntil: null }).where(byKeys(keys));
    },

    async pruneEvents(before) {
      const gone = await db
        .delete(events)
        .where(
          and(
            lt(events.createdAt, before),
            or(sql`${events.deliveredAt} IS NOT NULL`, sql`${events.deadAt} IS NOT NULL`),
            sql`NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} d
              WHERE d.tenant_id = ${events.tenantId} AND d.app_id = ${events.appId}
                AND d.event_id = ${events.id} AND d.status = 'pending')`,
          ),
        )
        .returning({ id: events.id });
      return gone.length;
    },

    async markEventFailed(scope, id, error, retryAt) {
      await db
        .update(events)
        .set({
          attempts: sql`${events.attempts} + 1`,
          lastError: withoutParameters(error).slice(0, 2000),
          lockedUntil: null,
          ...(retryAt ? { nextAttemptAt: retryAt } : { deadAt: sql`now()` }),
        })
        .where(byKey(scope, id));
    },
  };
}
