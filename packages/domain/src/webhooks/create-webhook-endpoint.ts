import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { assertDeliverableUrl } from './load-endpoint.js';
import type { StoredWebhookEndpoint } from './model.js';
import { CreateWebhookEndpointInput } from './schemas.js';
import { endpointView, type WebhookEndpointWithSecret } from './view.js';

/**
 * Creates an enabled endpoint with a new signing secret, returned this once (it is stored only
 * sealed). The URL is refused (`invalid_webhook_url`) when it could never be delivered to.
 */
export async function createWebhookEndpoint(
  ctx: ServiceContext,
  input: CreateWebhookEndpointInput,
): Promise<WebhookEndpointWithSecret> {
  const fields = parseInput(CreateWebhookEndpointInput, input);
  await assertDeliverableUrl(ctx, fields.url);
  const secret = ctx.webhookSecrets.generate();
  const now = ctx.clock.now();
  const endpoint: StoredWebhookEndpoint = {
    id: ctx.ids.newId('webhookEndpoint'),
    url: fields.url,
    enabledEvents: fields.enabledEvents,
    status: 'enabled',
    disabledReason: null,
    description: fields.description ?? null,
    metadata: Object.fromEntries(
      Object.entries(fields.metadata ?? {}).filter(([, value]) => value !== null),
    ),
    createdAt: now,
    updatedAt: now,
    sealedSecret: ctx.webhookSecrets.seal(secret),
    sealedPreviousSecret: null,
    previousSecretExpiresAt: null,
    failingSince: null,
  };
  // The transaction's result is the stored endpoint: a keyed retry that resumes after its commit
  // gets that one back (its id, its sealed secret), never a second secret that was not stored.
  const stored = await inTransaction(ctx, async (tx) => {
    await tx.insertWebhookEndpoint(ctx.scope, endpoint);
    return endpoint;
  });
  return { ...endpointView(stored), secret: ctx.webhookSecrets.open(stored.sealedSecret) };
}
