import { z } from 'zod';
import { MetadataOutputSchema, outputId, TimestampSchema } from '../schemas/output-schemas.js';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_ENDPOINT_STATUSES } from './model.js';

/** A webhook endpoint as the API returns it (the `WebhookEndpoint` model): no secret. */
export const WebhookEndpointSchema = z.object({
  id: outputId('webhookEndpoint'),
  url: z.string(),
  enabledEvents: z.array(z.string()),
  status: z.enum(WEBHOOK_ENDPOINT_STATUSES),
  disabledReason: z.enum(['failing', 'gone']).nullable(),
  description: z.string().nullable(),
  metadata: MetadataOutputSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});

/** The answer of create and rotate: the endpoint with its signing secret, shown this once. */
export const WebhookEndpointWithSecretSchema = WebhookEndpointSchema.extend({
  secret: z.string().meta({ description: '`whsec_` + base64 of 32 random bytes; shown once' }),
});

/** One delivery attempt (the `WebhookDelivery` model). */
export const WebhookDeliverySchema = z.object({
  id: outputId('webhookDelivery'),
  endpointId: outputId('webhookEndpoint'),
  eventId: outputId('event'),
  eventType: z.string(),
  attempt: z.number().int(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  responseStatus: z.number().int().nullable(),
  responseExcerpt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: TimestampSchema,
  nextAttemptAt: TimestampSchema.nullable(),
});

/** What a replay queued. */
export const WebhookReplaySchema = z.object({ queued: z.number().int() });
