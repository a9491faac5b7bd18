import type { ServiceContext } from '../ports.js';
import { type Page, toPage } from '../schemas/pagination.js';
import { parseInput } from '../validation.js';
import type { WebhookEndpoint } from './model.js';
import { ListWebhookEndpointsInput } from './schemas.js';

/** The scope's endpoints, newest first, without secrets. */
export async function listWebhookEndpoints(
  ctx: ServiceContext,
  input: ListWebhookEndpointsInput = {},
): Promise<Page<WebhookEndpoint>> {
  const page = parseInput(ListWebhookEndpointsInput, input);
  const result = await ctx.store.listWebhookEndpoints(ctx.scope, page);
  // The store returns public views only; paging is by cursor, so the offset is always 0.
  return toPage(result, { limit: page.limit, offset: 0 });
}
