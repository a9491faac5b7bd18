import { type EventView, eventView } from '../events/view.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { assertEnabled } from './assert-enabled.js';
import { loadEndpoint } from './load-endpoint.js';
import { recordEndpointEvent } from './record-endpoint-event.js';
import { WebhookEndpointIdInput } from './schemas.js';

/**
 * Records a `webhook_endpoint.test` event (its object is the endpoint) and queues it to this
 * endpoint alone, signed like any other: a receiver's check that it verifies what Ledger sends.
 */
export async function sendTestWebhook(
  ctx: ServiceContext,
  input: WebhookEndpointIdInput,
): Promise<EventView> {
  const { id } = parseInput(WebhookEndpointIdInput, input);
  const event = await inTransaction(ctx, async (tx) => {
    const endpoint = await loadEndpoint(tx, ctx, id);
    assertEnabled(endpoint);
    return recordEndpointEvent(tx, ctx, ctx.scope, 'webhook_endpoint.test', endpoint, {
      onlyEndpoint: endpoint.id,
    });
  });
  return eventView(event);
}
