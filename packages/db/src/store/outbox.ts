import {
  type EventId,
  type EventType,
  type LedgerEvent,
  newId,
  type OutboxStore,
} from '@ledger/domain';
import { and, asc, eq, gte, like, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { events, webhookDeliveries, webhookEndpoints } from '../schema/index.js';
import { newestFirstPage } from './newest-first.js';
import { inScope, rowsOf } from './scope.js';

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

/** Raw rows from `db.execute` come back snake_case: the key of each claimed event. */
interface ClaimRow extends Record<string, unknown> {
  tenant_id: string;
  app_id: string;
  id: string;
}

/** An event's row by its whole primary key (tenant_id, app_id, id), so `events_pkey` finds it. */
function byKey(scope: { tenantId: string; appId: string }, id: string) {
  return and(inScope(events, scope), eq(events.id, id));
}

/**
 * The enabled endpoints of the event's scope subscribed to its type (`*`, the type, or a
 * `prefix.*` wildcard), in one indexed read of the scope's endpoints.
 */
async function subscribedEndpoints(db: Db, event: LedgerEvent): Promise<string[]> {
  const rows = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(
        inScope(webhookEndpoints, event),
        eq(webhookEndpoints.status, 'enabled'),
        sql`(${event.type} = ANY(${webhookEndpoints.enabledEvents}) OR '*' = ANY(${webhookEndpoints.enabledEvents})
          OR EXISTS (SELECT 1 FROM unnest(${webhookEndpoints.enabledEvents}) AS p(pattern)
            WHERE p.pattern LIKE '%.*' AND starts_with(${event.type}, left(p.pattern, -1))))`,
      ),
    );
  return rows.map((row) => row.id);
}

/** Queues one delivery of `event` to each of `endpointIds`, due at the event's creation. */
async function queueDeliveries(
  db: Db,
  event: LedgerEvent,
  endpointIds: readonly string[],
): Promise<void> {
  if (endpointIds.length === 0) return;
  await db.insert(webhookDeliveries).values(
    endpointIds.map((endpointId) => ({
      tenantId: event.tenantId,
      appId: event.appId,
      id: newId('webhookDelivery'),
      endpointId,
      eventId: event.id,
      eventType: event.type,
      customerId: event.customerId,
      eventSequence: event.sequence,
      attempt: 1,
      status: 'pending',
      createdAt: event.createdAt,
      nextAttemptAt: event.createdAt,
    })),
  );
}

/** The event outbox over either driver. */
export function outboxStore(db: Db): OutboxStore {
  return {
    async appendEvent(event, options) {
      await db.insert(events).values({
        tenantId: event.tenantId,
        appId: event.appId,
        id: event.id,
        type: event.type,
        customerId: event.customerId,
        sequence: event.sequence,
        payload: {
          data: event.data,
          ...(event.previousAttributes ? { previousAttributes: event.previousAttributes } : {}),
        },
        createdAt: event.createdAt,
        nextAttemptAt: event.createdAt,
      });
      const endpointIds = options?.onlyEndpoint
        ? [options.onlyEndpoint]
        : await subscribedEndpoints(db, event);
      await queueDeliveries(db, event, endpointIds);
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
      const leaseUntil = leaseDate.toISOString();
      // Only the oldest undelivered event of each customer is claimable, which keeps delivery in
      // sequence order per customer; SKIP LOCKED lets concurrent workers take disjoint batches.
      const claimed = await db.execute<ClaimRow>(sql`
        UPDATE ${events} SET locked_until = ${leaseUntil}::timestamptz
        WHERE (tenant_id, app_id, id) IN (
          SELECT e.tenant_id, e.app_id, e.id FROM ${events} e
          WHERE e.delivered_at IS NULL AND e.dead_at IS NULL
            AND e.next_attempt_at <= ${now}::timestamptz
            AND (e.locked_until IS NULL OR e.locked_until < ${now}::timestamptz)
            AND NOT EXISTS (
              SELECT 1 FROM ${events} p
              WHERE p.tenant_id = e.tenant_id AND p.app_id = e.app_id
                AND p.customer_id = e.customer_id AND p.position < e.position
                AND p.delivered_at IS NULL AND p.dead_at IS NULL)
          ORDER BY e.position
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING tenant_id, app_id, id`);
      const keys = rowsOf<ClaimRow>(claimed);
      if (keys.length === 0) return [];
      const rows = await db
        .select()
        .from(events)
        .where(
          or(...keys.map((key) => byKey({ tenantId: key.tenant_id, appId: key.app_id }, key.id))),
        )
        .orderBy(asc(events.position));
      return rows.map((row) => ({ event: eventFromRow(row), attempts: row.attempts }));
    },

    async markEventDelivered(scope, id) {
      await db
        .update(events)
        .set({ deliveredAt: sql`now()`, lockedUntil: null })
        .where(byKey(scope, id));
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
