import type { EventType, LedgerEvent } from '../events/model.js';
import { toJsonObject } from '../events/record-event.js';
import type { WebhookEndpointId } from '../ids.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { Scope } from '../scope.js';
import type { StoredWebhookEndpoint } from './model.js';
import { endpointView } from './view.js';

/**
 * Appends an event about an endpoint itself (`webhook_endpoint.*`) in the caller's transaction.
 * It belongs to no customer, so its sequence is 0 and it is ordered with nothing.
 */
export async function recordEndpointEvent(
  tx: StoreTx,
  ctx: Pick<ServiceContext, 'ids' | 'clock' | 'events'>,
  scope: Scope,
  type: Extract<EventType, `webhook_endpoint.${string}`>,
  endpoint: StoredWebhookEndpoint,
  options?: { onlyEndpoint?: WebhookEndpointId },
): Promise<LedgerEvent> {
  const event: LedgerEvent = {
    id: ctx.ids.newId('event'),
    type,
    tenantId: scope.tenantId,
    appId: scope.appId,
    customerId: null,
    sequence: 0,
    createdAt: ctx.clock.now(),
    data: { object: toJsonObject(endpointView(endpoint)) },
  };
  await tx.appendEvent(event, { ...options, owedInProcess: ctx.events.handles(type) });
  return event;
}
