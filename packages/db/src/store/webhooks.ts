import { randomUUID } from 'node:crypto';
import {
  type ClaimedWebhookDelivery,
  type EventId,
  endpointView,
  newId,
  type Scope,
  type StoredWebhookEndpoint,
  type WebhookDelivery,
  type WebhookDisabledReason,
  type WebhookEndpointId,
  type WebhookEndpointStatus,
  type WebhookOutcome,
  type WebhookReplaySelection,
  type WebhookStore,
} from '@ledger/domain';
import { and, eq, gte, inArray, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { events, webhookDeliveries, webhookEndpoints } from '../schema/index.js';
import { newestFirstPage } from './newest-first.js';
import { eventFromRow, typeMatches } from './outbox.js';
import { executePrepared } from './prepared.js';
import { inScope, rowsOf } from './scope.js';

type EndpointRow = typeof webhookEndpoints.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

function toEndpoint(row: EndpointRow): StoredWebhookEndpoint {
  return {
    id: row.id as WebhookEndpointId,
    url: row.url,
    enabledEvents: row.enabledEvents,
    status: row.status as WebhookEndpointStatus,
    disabledReason: row.disabledReason as WebhookDisabledReason | null,
    description: row.description,
    metadata: row.metadata as StoredWebhookEndpoint['metadata'],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    sealedSecret: row.sealedSecret,
    sealedPreviousSecret: row.sealedPreviousSecret,
    previousSecretExpiresAt: row.previousSecretExpiresAt,
    failingSince: row.failingSince,
  };
}

/** An endpoint's columns from the domain's record (everything but the scope). */
function endpointColumns(endpoint: StoredWebhookEndpoint) {
  return {
    url: endpoint.url,
    enabledEvents: endpoint.enabledEvents,
    status: endpoint.status,
    disabledReason: endpoint.disabledReason,
    description: endpoint.description,
    metadata: endpoint.metadata,
    sealedSecret: endpoint.sealedSecret,
    sealedPreviousSecret: endpoint.sealedPreviousSecret,
    previousSecretExpiresAt: endpoint.previousSecretExpiresAt,
    failingSince: endpoint.failingSince,
    updatedAt: endpoint.updatedAt,
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id as WebhookDelivery['id'],
    endpointId: row.endpointId as WebhookEndpointId,
    eventId: row.eventId as EventId,
    eventType: row.eventType,
    attempt: row.attempt,
    status: row.status as WebhookDelivery['status'],
    responseStatus: row.responseStatus,
    responseExcerpt: row.responseExcerpt,
    durationMs: row.durationMs,
    error: row.error,
    createdAt: row.createdAt,
    nextAttemptAt: row.nextAttemptAt,
  };
}

/** The scope's events a replay selection names. */
function selectedEvents(scope: Scope, selection: WebhookReplaySelection): SQL {
  if ('eventIds' in selection) {
    return and(inScope(events, scope), inArray(events.id, [...selection.eventIds])) as SQL;
  }
  const types = selection.types?.length ? or(...selection.types.map(typeMatches)) : undefined;
  return and(
    inScope(events, scope),
    gte(events.createdAt, selection.since),
    lte(events.createdAt, selection.until),
    types,
  ) as SQL;
}

/** Raw rows of the claim: the key of each claimed attempt. */
interface ClaimRow extends Record<string, unknown> {
  tenant_id: string;
  app_id: string;
  id: string;
}

/** The row of an attempt still held by `outcome`'s claim. */
/**
 * True when the delivery's customer is erased: what its receiver answered may echo the event, and
 * an attempt settling after the erasure must not keep it.
 */
function erasedOwner(delivery: SQL) {
  // The share lock waits out an erasure in progress (it holds the row FOR UPDATE) and then reads
  // the row as it committed, so no attempt settles an excerpt past an erasure.
  return sql`COALESCE((SELECT c.erased_at IS NOT NULL FROM customers c
    WHERE c.tenant_id = ${delivery}.tenant_id AND c.app_id = ${delivery}.app_id
      AND c.id = ${delivery}.customer_id FOR KEY SHARE), false)`;
}

function heldBy(outcome: WebhookOutcome) {
  return and(
    inScope(webhookDeliveries, outcome.scope),
    eq(webhookDeliveries.id, outcome.deliveryId),
    eq(webhookDeliveries.status, 'pending'),
    eq(webhookDeliveries.claimToken, outcome.claimToken),
  );
}

/**
 * Settles successful attempts in two statements however many there are (the delivery rate
 * depends on it): the attempts, then their endpoints' `failing_since` cleared.
 */
async function settleSuccesses(db: Db, outcomes: readonly WebhookOutcome[]) {
  if (outcomes.length === 0) return [];
  const values = sql.join(
    outcomes.map(
      (o) =>
        sql`(${o.scope.tenantId}, ${o.scope.appId}, ${o.deliveryId}, ${o.claimToken}, ${o.responseStatus}::int, ${o.responseExcerpt}, ${o.durationMs}::int)`,
    ),
    sql`, `,
  );
  const result = await db.execute<ClaimRow & { endpoint_id: string }>(sql`
    UPDATE ${webhookDeliveries} d
    SET status = 'succeeded', response_status = v.response_status,
        response_excerpt = CASE WHEN ${erasedOwner(sql`d`)} THEN NULL ELSE v.response_excerpt END,
        duration_ms = v.duration_ms, error = NULL,
        next_attempt_at = NULL, locked_until = NULL, claim_token = NULL
    FROM (VALUES ${values})
      AS v(tenant_id, app_id, id, claim_token, response_status, response_excerpt, duration_ms)
    WHERE d.tenant_id = v.tenant_id AND d.app_id = v.app_id AND d.id = v.id
      AND d.status = 'pending' AND d.claim_token = v.claim_token
    RETURNING d.tenant_id, d.app_id, d.id, d.endpoint_id`);
  const rows = rowsOf<ClaimRow & { endpoint_id: string }>(result);
  if (rows.length === 0) return [];
  const endpointKeys = sql.join(
    [...new Set(rows.map((row) => JSON.stringify([row.tenant_id, row.app_id, row.endpoint_id])))]
      .map((key) => JSON.parse(key) as [string, string, string])
      .map(([tenant, app, id]) => sql`(${tenant}, ${app}, ${id})`),
    sql`, `,
  );
  await db.execute(sql`
    UPDATE ${webhookEndpoints} SET failing_since = NULL
    WHERE failing_since IS NOT NULL AND (tenant_id, app_id, id) IN (${endpointKeys})`);
  const done = new Set(rows.map((row) => `${row.tenant_id}/${row.app_id}/${row.id}`));
  return outcomes.filter((o) => done.has(`${o.scope.tenantId}/${o.scope.appId}/${o.deliveryId}`));
}

/**
 * Settles one failed attempt: `failed` with its response, the next attempt queued when one is
 * due, and its endpoint failing since its first failure. False when the claim was lost.
 */
async function settleFailure(db: Db, outcome: WebhookOutcome): Promise<boolean> {
  const done = await db
    .update(webhookDeliveries)
    .set({
      status: 'failed',
      responseStatus: outcome.responseStatus,
      responseExcerpt: sql`CASE WHEN ${erasedOwner(sql`${webhookDeliveries}`)} THEN NULL ELSE ${outcome.responseExcerpt} END`,
      durationMs: outcome.durationMs,
      error: outcome.error,
      nextAttemptAt: outcome.retryAt,
      lockedUntil: null,
      claimToken: null,
    })
    .where(heldBy(outcome))
    .returning();
  const row = done[0];
  if (!row) return false;
  if (outcome.retryAt) {
    await db.insert(webhookDeliveries).values({
      ...row,
      id: newId('webhookDelivery'),
      attempt: row.attempt + 1,
      status: 'pending',
      responseStatus: null,
      responseExcerpt: null,
      durationMs: null,
      error: null,
      createdAt: outcome.attemptedAt,
      nextAttemptAt: outcome.retryAt,
    });
  }
  await db
    .update(webhookEndpoints)
    .set({
      failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${outcome.attemptedAt.toISOString()}::timestamptz)`,
    })
    .where(
      and(inScope(webhookEndpoints, outcome.scope), eq(webhookEndpoints.id, outcome.endpointId)),
    );
  return true;
}

/** Webhook endpoints and the delivery queue over either driver. */
export function webhookStore(db: Db): WebhookStore {
  return {
    async insertWebhookEndpoint(scope, endpoint) {
      await db.insert(webhookEndpoints).values({
        tenantId: scope.tenantId,
        appId: scope.appId,
        id: endpoint.id,
        createdAt: endpoint.createdAt,
        ...endpointColumns(endpoint),
      });
    },

    async getWebhookEndpoint(scope, id, options) {
      const query = db
        .select()
        .from(webhookEndpoints)
        .where(and(inScope(webhookEndpoints, scope), eq(webhookEndpoints.id, id)));
      const rows = options?.forUpdate ? await query.for('update') : await query;
      return rows[0] ? toEndpoint(rows[0]) : null;
    },

    async listWebhookEndpoints(scope, page) {
      const where = inScope(webhookEndpoints, scope);
      // Public views: the sealed secrets and the failure clock never leave the store here.
      return newestFirstPage(db, webhookEndpoints, webhookEndpoints.id, where, page, (row) =>
        endpointView(toEndpoint(row)),
      );
    },

    async updateWebhookEndpoint(scope, endpoint) {
      await db
        .update(webhookEndpoints)
        .set(endpointColumns(endpoint))
        .where(and(inScope(webhookEndpoints, scope), eq(webhookEndpoints.id, endpoint.id)));
    },

    async deleteWebhookEndpoint(scope, id) {
      const gone = await db
        .delete(webhookEndpoints)
        .where(and(inScope(webhookEndpoints, scope), eq(webhookEndpoints.id, id)))
        .returning({ id: webhookEndpoints.id });
      return gone.length > 0;
    },

    async listWebhookDeliveries(scope, endpointId, filter) {
      const where = and(
        inScope(webhookDeliveries, scope),
        eq(webhookDeliveries.endpointId, endpointId),
        filter.eventId ? eq(webhookDeliveries.eventId, filter.eventId) : undefined,
        filter.status ? eq(webhookDeliveries.status, filter.status) : undefined,
      );
      return newestFirstPage(
        db,
        webhookDeliveries,
        webhookDeliveries.id,
        where,
        filter,
        toDelivery,
      );
    },

    async countReplayEvents(scope, selection, cap) {
      const rows = await db
        .select({ id: events.id })
        .from(events)
        .where(selectedEvents(scope, selection))
        .limit(cap + 1);
      return rows.length;
    },

    async queueWebhookReplay(scope, endpointId, selection, at) {
      const picked = await db
        .select({
          id: events.id,
          type: events.type,
          customerId: events.customerId,
          sequence: events.sequence,
        })
        .from(events)
        .where(selectedEvents(scope, selection))
        .orderBy(events.position);
      if (picked.length === 0) return 0;
      const earlier = await db
        .select({ eventId: webhookDeliveries.eventId, attempts: sql<number>`max(attempt)::int` })
        .from(webhookDeliveries)
        .where(
          and(
            inScope(webhookDeliveries, scope),
            eq(webhookDeliveries.endpointId, endpointId),
            inArray(
              webhookDeliveries.eventId,
              picked.map((event) => event.id),
            ),
          ),
        )
        .groupBy(webhookDeliveries.eventId);
      const attemptsOf = new Map(earlier.map((row) => [row.eventId, Number(row.attempts)]));
      await db.insert(webhookDeliveries).values(
        picked.map((event) => ({
          tenantId: scope.tenantId,
          appId: scope.appId,
          id: newId('webhookDelivery'),
          endpointId,
          eventId: event.id,
          eventType: event.type,
          customerId: event.customerId,
          eventSequence: event.sequence,
          attempt: (attemptsOf.get(event.id) ?? 0) + 1,
          status: 'pending',
          createdAt: at,
          nextAttemptAt: at,
        })),
      );
      return picked.length;
    },

    async anyEnabledWebhookEndpoint() {
      const rows = await db
        .select({ id: webhookEndpoints.id })
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.status, 'enabled'))
        .limit(1);
      return rows.length > 0;
    },

    // Only the head of each (endpoint, customer) chain is claimable: the pending delivery with
    // the least sequence, found by one probe of `webhook_deliveries_order_idx` per candidate
    // while the due index is walked in order, so a claim costs about `limit` probes however
    // long the backlog. (A NOT EXISTS anti-join here let the planner probe every pending row
    // and sort them all: 0.4 s a claim at a 20,000 backlog with fresh statistics, minutes
    // before the first ANALYZE.)
    async claimWebhookDeliveries(nowDate, leaseDate, limit) {
      // Raw SQL bypasses drizzle's column mapping, so timestamps go in as ISO strings.
      const now = nowDate.toISOString();
      const leaseUntil = leaseDate.toISOString();
      const claimToken = randomUUID();
      const claimed = await executePrepared(
        db,
        sql`
        UPDATE ${webhookDeliveries}
        SET locked_until = ${leaseUntil}::timestamptz, claim_token = ${claimToken}
        WHERE (tenant_id, app_id, id) IN (
          SELECT d.tenant_id, d.app_id, d.id
          FROM ${webhookDeliveries} d
          JOIN ${webhookEndpoints} w
            ON w.tenant_id = d.tenant_id AND w.app_id = d.app_id AND w.id = d.endpoint_id
          WHERE d.status = 'pending' AND w.status = 'enabled'
            AND d.next_attempt_at <= ${now}::timestamptz
            AND (d.locked_until IS NULL OR d.locked_until < ${now}::timestamptz)
            AND (d.customer_id IS NULL OR d.event_sequence = (
              SELECT p.event_sequence FROM ${webhookDeliveries} p
              WHERE p.tenant_id = d.tenant_id AND p.app_id = d.app_id
                AND p.endpoint_id = d.endpoint_id AND p.customer_id = d.customer_id
                AND p.status = 'pending'
              ORDER BY p.event_sequence
              LIMIT 1))
          ORDER BY d.next_attempt_at
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED)
        RETURNING tenant_id, app_id, id`,
      );
      const keys = rowsOf<ClaimRow>(claimed);
      if (keys.length === 0) return [];
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .innerJoin(
          webhookEndpoints,
          and(
            eq(webhookEndpoints.tenantId, webhookDeliveries.tenantId),
            eq(webhookEndpoints.appId, webhookDeliveries.appId),
            eq(webhookEndpoints.id, webhookDeliveries.endpointId),
          ),
        )
        .innerJoin(
          events,
          and(
            eq(events.tenantId, webhookDeliveries.tenantId),
            eq(events.appId, webhookDeliveries.appId),
            eq(events.id, webhookDeliveries.eventId),
          ),
        )
        .where(
          and(
            eq(webhookDeliveries.claimToken, claimToken),
            or(
              ...keys.map((key) =>
                and(
                  eq(webhookDeliveries.tenantId, key.tenant_id),
                  eq(webhookDeliveries.appId, key.app_id),
                  eq(webhookDeliveries.id, key.id),
                ),
              ),
            ),
          ),
        )
        .orderBy(webhookDeliveries.nextAttemptAt);
      return rows.map(
        (row): ClaimedWebhookDelivery => ({
          scope: { tenantId: row.webhook_deliveries.tenantId, appId: row.webhook_deliveries.appId },
          delivery: toDelivery(row.webhook_deliveries),
          claimToken,
          endpoint: toEndpoint(row.webhook_endpoints),
          event: eventFromRow(row.events),
        }),
      );
    },

    async settleWebhookDeliveries(outcomes) {
      const succeeded = outcomes.filter((outcome) => outcome.succeeded);
      const settled = await settleSuccesses(db, succeeded);
      for (const outcome of outcomes) {
        if (!outcome.succeeded && (await settleFailure(db, outcome))) settled.push(outcome);
      }
      return settled;
    },
  };
}
