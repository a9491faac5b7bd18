import type { ServiceContext } from '../ports.js';
import { parseInput } from '../validation.js';
import { loadEndpoint } from './load-endpoint.js';
import type { WebhookEndpoint } from './model.js';
import { WebhookEndpointIdInput } from './schemas.js';
import { endpointView } from './view.js';

/** One endpoint of the scope, without its secret. */
export async function getWebhookEndpoint(
  ctx: ServiceContext,
  input: WebhookEndpointIdInput,
): Promise<WebhookEndpoint> {
  const { id } = parseInput(WebhookEndpointIdInput, input);
  return endpointView(await loadEndpoint(ctx.store, ctx, id));
}
