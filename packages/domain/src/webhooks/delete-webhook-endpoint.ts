import { LedgerError } from '../errors.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { WebhookEndpointIdInput } from './schemas.js';

/** Deletes the endpoint with its attempts log; deliveries still pending to it are dropped. */
export async function deleteWebhookEndpoint(
  ctx: ServiceContext,
  input: WebhookEndpointIdInput,
): Promise<void> {
  const { id } = parseInput(WebhookEndpointIdInput, input);
  const deleted = await inTransaction(ctx, (tx) => tx.deleteWebhookEndpoint(ctx.scope, id));
  if (!deleted) {
    throw new LedgerError('webhook_endpoint_not_found', 'No such webhook endpoint', {
      param: ['id'],
    });
  }
}
