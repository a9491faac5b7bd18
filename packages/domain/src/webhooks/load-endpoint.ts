import { LedgerError } from '../errors.js';
import type { WebhookEndpointId } from '../ids.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { StoredWebhookEndpoint } from './model.js';

/** The scope's endpoint, or `webhook_endpoint_not_found` on `id` (another scope's is not found). */
export async function loadEndpoint(
  tx: StoreTx,
  ctx: ServiceContext,
  id: WebhookEndpointId,
  options?: { forUpdate?: boolean },
): Promise<StoredWebhookEndpoint> {
  const endpoint = await tx.getWebhookEndpoint(ctx.scope, id, options);
  if (!endpoint) {
    throw new LedgerError('webhook_endpoint_not_found', 'No such webhook endpoint', {
      param: ['id'],
    });
  }
  return endpoint;
}

/** Refuses a URL the policy will not deliver to (`invalid_webhook_url` on `url`). */
export async function assertDeliverableUrl(ctx: ServiceContext, url: string): Promise<void> {
  const refusal = await ctx.webhookUrls.refusal(new URL(url));
  if (refusal) throw new LedgerError('invalid_webhook_url', refusal, { param: ['url'] });
}
