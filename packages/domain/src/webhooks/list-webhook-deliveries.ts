import type { ServiceContext } from '../ports.js';
import { type Page, toPage } from '../schemas/pagination.js';
import { parseInput } from '../validation.js';
import { loadEndpoint } from './load-endpoint.js';
import type { WebhookDelivery } from './model.js';
import { ListWebhookDeliveriesInput } from './schemas.js';

/** An endpoint's attempts log, newest first, by event and status. */
export async function listWebhookDeliveries(
  ctx: ServiceContext,
  input: ListWebhookDeliveriesInput,
): Promise<Page<WebhookDelivery>> {
  const { id, ...filter } = parseInput(ListWebhookDeliveriesInput, input);
  await loadEndpoint(ctx.store, ctx, id);
  const result = await ctx.store.listWebhookDeliveries(ctx.scope, id, filter);
  return toPage(result, { limit: filter.limit, offset: 0 });
}
