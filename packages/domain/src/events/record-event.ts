import type { Customer } from '../customer/model.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { AppendEventOptions } from '../webhooks/ports.js';
import type { EventType, LedgerEvent } from './model.js';

/** The JSON form of an object as the API returns it (dates become ISO strings). */
export function toJsonObject<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value));
}

/**
 * The sequence number of a customer's first event, `customer.created`: a customer row is inserted
 * with its counter already there (see `CustomerStore.createCustomer`), so creating a customer
 * spends no statement taking it.
 */
export const CREATED_EVENT_SEQUENCE = 1;

/**
 * Appends a customer event to the outbox inside the change's transaction, taking the customer's
 * next sequence number, so a committed change leaves exactly one event and a rolled-back one none.
 * It is owed to in-process handlers only if this process has one for its type.
 */
export async function recordCustomerEvent(
  tx: StoreTx,
  ctx: ServiceContext,
  type: EventType,
  customer: Pick<Customer, 'id'>,
  object: unknown,
  previousAttributes?: Record<string, unknown>,
): Promise<LedgerEvent> {
  const sequence = await tx.nextEventSequence(ctx.scope, customer.id);
  return appendCustomerEvent(tx, ctx, { type, customer, sequence, object, previousAttributes });
}

/**
 * The `customer.created` event of a new customer, at `CREATED_EVENT_SEQUENCE`, and how it is
 * appended: the store writes it with the customer (`CustomerStore.createCustomer`).
 */
export function createdEventOf(
  ctx: ServiceContext,
  customer: Customer,
): { event: LedgerEvent; options: AppendEventOptions } {
  const type = 'customer.created';
  return {
    event: eventOf(ctx, { type, customer, sequence: CREATED_EVENT_SEQUENCE, object: customer }),
    options: { owedInProcess: ctx.events.handles(type) },
  };
}

/** What a customer event is made of. */
interface CustomerEventParts {
  type: EventType;
  customer: Pick<Customer, 'id'>;
  sequence: number;
  object: unknown;
  previousAttributes?: Record<string, unknown> | undefined;
}

/** One customer event at a sequence number already taken, appended to the outbox. */
async function appendCustomerEvent(
  tx: StoreTx,
  ctx: ServiceContext,
  at: CustomerEventParts,
): Promise<LedgerEvent> {
  const event = eventOf(ctx, at);
  await tx.appendEvent(event, { owedInProcess: ctx.events.handles(at.type) });
  return event;
}

/** The event `at` describes, made now in the caller's scope. */
function eventOf(ctx: ServiceContext, at: CustomerEventParts): LedgerEvent {
  return {
    id: ctx.ids.newId('event'),
    type: at.type,
    tenantId: ctx.scope.tenantId,
    appId: ctx.scope.appId,
    customerId: at.customer.id,
    sequence: at.sequence,
    createdAt: ctx.clock.now(),
    data: { object: toJsonObject(at.object) },
    ...(at.previousAttributes
      ? { previousAttributes: toJsonObject(at.previousAttributes) as Record<string, unknown> }
      : {}),
  };
}
