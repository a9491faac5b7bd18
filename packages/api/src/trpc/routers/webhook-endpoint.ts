import {
  type CreateWebhookEndpointInput,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  type ListWebhookDeliveriesInput,
  type ListWebhookEndpointsInput,
  listWebhookDeliveries,
  listWebhookEndpoints,
  type ReplayWebhookEventsInput,
  type RotateWebhookSecretInput,
  replayWebhookEvents,
  rotateWebhookSecret,
  sendTestWebhook,
  type UpdateWebhookEndpointInput,
  updateWebhookEndpoint,
  type WebhookEndpointIdInput,
} from '@ledger/domain';
import { procedure, router, typed } from '../init.js';

/** `webhookEndpoint.*`: outbound webhook endpoints, their attempts, replays and test sends. */
export const webhookEndpointRouter = router({
  create: procedure
    .input(typed<CreateWebhookEndpointInput>())
    .mutation(({ ctx, input }) => createWebhookEndpoint(ctx.services, input)),
  list: procedure
    .input(typed<ListWebhookEndpointsInput | undefined>())
    .query(({ ctx, input }) => listWebhookEndpoints(ctx.services, input)),
  get: procedure
    .input(typed<WebhookEndpointIdInput>())
    .query(({ ctx, input }) => getWebhookEndpoint(ctx.services, input)),
  update: procedure
    .input(typed<UpdateWebhookEndpointInput>())
    .mutation(({ ctx, input }) => updateWebhookEndpoint(ctx.services, input)),
  delete: procedure
    .input(typed<WebhookEndpointIdInput>())
    .mutation(({ ctx, input }) => deleteWebhookEndpoint(ctx.services, input)),
  rotateSecret: procedure
    .input(typed<RotateWebhookSecretInput>())
    .mutation(({ ctx, input }) => rotateWebhookSecret(ctx.services, input)),
  deliveries: procedure
    .input(typed<ListWebhookDeliveriesInput>())
    .query(({ ctx, input }) => listWebhookDeliveries(ctx.services, input)),
  replay: procedure
    .input(typed<ReplayWebhookEventsInput>())
    .mutation(({ ctx, input }) => replayWebhookEvents(ctx.services, input)),
  test: procedure
    .input(typed<WebhookEndpointIdInput>())
    .mutation(({ ctx, input }) => sendTestWebhook(ctx.services, input)),
});
