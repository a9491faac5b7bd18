import type { ServiceContext } from '../ports.js';
import { type Page, toPage } from '../schemas/pagination.js';
import { parseInput } from '../validation.js';
import type { WebhookEndpoint } from './model.js';
import { ListWebhookEndpointsInput } from './schemas.js';
import { endpointView } from './view.js';

/** The scope's endpoints, newest first, without secrets. */
export async function listWebhookEndpoints(
  ctx: ServiceContext,
  input: ListWebhookEndpointsInput = {},
): Promise<Page<WebhookEndpoint>> {
  const page = parseInput(ListWebhookEndpointsInput, input);
  const result = await ctx.store.listWebhookEndpoints(ctx.scope, page);
  // Only public fields go out, whatever the store's rows hold; paging is by cursor (offset 0).
  return toPage(
    { ...result, rows: result.rows.map(endpointView) },
    { limit: page.limit, offset: 0 },
  );
}
