import type { ServiceContext } from '../ports.js';
import { mergeMetadata } from '../schemas/metadata.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { assertDeliverableUrl, loadEndpoint } from './load-endpoint.js';
import type { StoredWebhookEndpoint, WebhookEndpoint } from './model.js';
import { UpdateWebhookEndpointInput } from './schemas.js';
import { endpointView } from './view.js';

type Patch = ReturnType<typeof UpdateWebhookEndpointInput.parse>;

function applyPatch(endpoint: StoredWebhookEndpoint, patch: Patch): StoredWebhookEndpoint {
  const next = { ...endpoint };
  if (patch.url !== undefined) next.url = patch.url;
  if (patch.enabledEvents !== undefined) next.enabledEvents = patch.enabledEvents;
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.metadata !== undefined)
    next.metadata = mergeMetadata(endpoint.metadata, patch.metadata);
  if (patch.status !== undefined && patch.status !== endpoint.status) {
    // Enabling starts afresh: the reason it was disabled and its failure clock are cleared.
    next.status = patch.status;
    next.disabledReason = null;
    next.failingSince = null;
  }
  return next;
}

/**
 * Changes the fields given. Enabling a disabled endpoint resumes its pending deliveries in
 * order; disabling holds them (new events are not queued to a disabled endpoint).
 */
export async function updateWebhookEndpoint(
  ctx: ServiceContext,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  const patch = parseInput(UpdateWebhookEndpointInput, input);
  if (patch.url !== undefined) await assertDeliverableUrl(ctx, patch.url);
  return inTransaction(ctx, async (tx) => {
    const endpoint = await loadEndpoint(tx, ctx, patch.id, { forUpdate: true });
    const next = applyPatch(endpoint, patch);
    next.updatedAt = ctx.clock.now();
    await tx.updateWebhookEndpoint(ctx.scope, next);
    return endpointView(next);
  });
}
