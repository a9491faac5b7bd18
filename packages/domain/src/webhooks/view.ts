import type { StoredWebhookEndpoint, WebhookEndpoint } from './model.js';

/**
 * The API's view of an endpoint: its secrets and failure clock stay inside. It takes any
 * endpoint-like record, since a stored one passes for a `WebhookEndpoint` by its type alone.
 */
export function endpointView(stored: WebhookEndpoint | StoredWebhookEndpoint): WebhookEndpoint {
  return {
    id: stored.id,
    url: stored.url,
    enabledEvents: stored.enabledEvents,
    status: stored.status,
    disabledReason: stored.disabledReason,
    description: stored.description,
    metadata: stored.metadata,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}

/** An endpoint with its new secret: the answer of create and rotate, the only ones that show it. */
export type WebhookEndpointWithSecret = WebhookEndpoint & { secret: string };
