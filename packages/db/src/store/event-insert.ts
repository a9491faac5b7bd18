import { type LedgerEvent, newId } from '@ledger/domain';
import { type Placeholder, type SQL, sql } from 'drizzle-orm';
import { events } from '../schema/index.js';
import { fanOutId } from './sql-ids.js';

/** The endpoint `w` subscribes to the type of event `e` (`*`, the type, or a `prefix.*`). */
const SUBSCRIBED = sql`w.status = 'enabled' AND (e.type = ANY(w.enabled_events)
  OR '*' = ANY(w.enabled_events)
  OR EXISTS (SELECT 1 FROM unnest(w.enabled_events) AS p(pattern)
    WHERE p.pattern LIKE '%.*' AND starts_with(e.type, left(p.pattern, -1))))`;

/**
 * The last part of a statement whose CTE `e` inserted one event (returning `tenant_id, app_id,
 * id, type, customer_id, sequence, created_at`): queues one pending delivery, due at the event's
 * creation, to each enabled endpoint of its scope subscribed to its type, or to `onlyEndpoint`
 * alone (the test send). Folding the fan-out into the event's own insert saves the select of the
 * endpoints and the insert of the deliveries a round trip each, and keeps all three atomic.
 */
export function queueDeliveriesOf(
  baseId: string | Placeholder,
  onlyEndpoint: Placeholder | undefined,
): SQL {
  const which = onlyEndpoint ? sql`w.id = ${onlyEndpoint}` : SUBSCRIBED;
  return sql`INSERT INTO webhook_deliveries (tenant_id, app_id, id, endpoint_id, event_id,
      event_type, customer_id, event_sequence, attempt, status, created_at, next_attempt_at)
    SELECT s.tenant_id, s.app_id, ${fanOutId(baseId, sql`s.n`)}, s.endpoint_id, s.id, s.type,
      s.customer_id, s.sequence, 1, 'pending', s.created_at, s.created_at
    FROM (SELECT e.*, w.id AS endpoint_id, (row_number() OVER (ORDER BY w.id) - 1)::int AS n
      FROM e JOIN webhook_endpoints w ON w.tenant_id = e.tenant_id AND w.app_id = e.app_id
      WHERE ${which}) s`;
}

/** The columns an event insert writes, in the order of {@link eventValues}. */
export const EVENT_COLUMNS = sql`(tenant_id, app_id, id, type, customer_id, sequence, payload,
  created_at, next_attempt_at, delivered_at)`;

/** What an insert of an event returns for {@link queueDeliveriesOf}. */
export const EVENT_RETURNING = sql`RETURNING tenant_id, app_id, id, type, customer_id, sequence,
  created_at`;

/**
 * The delivery columns' start, of SQL expressions for an event's creation time and whether an
 * in-process handler is owed it: due at once, or, when none is (`owed` false), delivered
 * already, so the dispatcher never has it to claim.
 */
export function deliveryStartOf(at: SQL, owed: SQL): SQL {
  return sql`${at}, ${at}, CASE WHEN ${owed} THEN NULL ELSE ${at} END`;
}

/** `event`'s stored payload: its object and the changed fields' old values. */
function payloadOf(event: LedgerEvent) {
  return {
    data: event.data,
    ...(event.previousAttributes ? { previousAttributes: event.previousAttributes } : {}),
  };
}

const p = (name: string) => sql.placeholder(name);

/**
 * The insert of one event, returning what {@link queueDeliveriesOf} reads: the `e` of a statement
 * built once (`fixedStatement`) that also queues its webhook deliveries. Its placeholders are
 * named `event…`; {@link eventValues} gives their values.
 */
export const INSERT_EVENT = sql`INSERT INTO ${events} ${EVENT_COLUMNS}
  VALUES (${p('eventTenantId')}, ${p('eventAppId')}, ${p('eventId')}, ${p('eventType')},
    ${p('eventCustomerId')}, ${p('eventNumber')}, ${p('eventPayload')}::jsonb,
    ${deliveryStartOf(sql`${p('eventCreatedAt')}::timestamptz`, sql`${p('eventOwed')}::boolean`)})
  ${EVENT_RETURNING}`;

/**
 * The fan-out of {@link INSERT_EVENT}'s event to every subscribed endpoint (`toOne`: to the
 * endpoint of placeholder `onlyEndpoint` alone), its ids from placeholder `deliveryBase`.
 */
export function queueDeliveriesByPlaceholder(toOne = false): SQL {
  return queueDeliveriesOf(p('deliveryBase'), toOne ? p('onlyEndpoint') : undefined);
}

/**
 * The values of the placeholders of {@link INSERT_EVENT} and {@link queueDeliveriesByPlaceholder}
 * for `event` (a fresh `deliveryBase`); `owed` as in {@link deliveryStartOf}.
 */
export function eventValues(event: LedgerEvent, owed: boolean): Record<string, unknown> {
  return {
    deliveryBase: newId('webhookDelivery'),
    eventTenantId: event.tenantId,
    eventAppId: event.appId,
    eventId: event.id,
    eventType: event.type,
    eventCustomerId: event.customerId,
    eventNumber: event.sequence,
    eventPayload: JSON.stringify(payloadOf(event)),
    eventCreatedAt: event.createdAt.toISOString(),
    eventOwed: owed,
  };
}
