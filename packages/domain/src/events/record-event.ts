import type { Customer } from '../customer/model.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { EventType, LedgerEvent } from './model.js';

/** The JSON form of an object as the API returns it (dates become ISO strings). */
export function toJsonObject<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value));
}

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
  const event: LedgerEvent = {
    id: ctx.ids.newId('event'),
    type,
    tenantId: ctx.scope.tenantId,
    appId: ctx.scope.appId,
    customerId: customer.id,
    sequence,
    createdAt: ctx.clock.now(),
    data: { object: toJsonObject(object) },
    ...(previousAttributes
      ? { previousAttributes: toJsonObject(previousAttributes) as Record<string, unknown> }
      : {}),
  };
  await tx.appendEvent(event, { owedInProcess: ctx.events.handles(type) });
  return event;
}
