import { z } from 'zod';
import { eventTypeFilter } from '../events/schemas.js';
import { idSchema } from '../ids.js';
import { MetadataSchema } from '../schemas/metadata.js';
import { limitSchema, timestampSchema } from '../schemas/pagination.js';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_ENDPOINT_STATUSES } from './model.js';

const invalidUrl = { params: { ledgerCode: 'invalid_webhook_url' } } as const;

/** The longest endpoint URL accepted. */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

function parsedUrl(value: string): URL | null {
  return URL.canParse(value) ? new URL(value) : null;
}

/**
 * An endpoint URL: absolute `https://` or `http://`, at most 2048 characters, no credentials.
 * Where it may point (no private addresses) is the URL policy's to say, after this.
 */
export const webhookUrlSchema = z
  .string()
  .trim()
  .refine((url) => url.length <= WEBHOOK_URL_MAX_LENGTH, {
    message: `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`,
    ...invalidUrl,
  })
  .refine((url) => /^https?:$/.test(parsedUrl(url)?.protocol ?? ''), {
    message: 'must be an absolute https:// or http:// URL',
    ...invalidUrl,
  })
  .refine(
    (url) => {
      const parsed = parsedUrl(url);
      return !parsed || (parsed.username === '' && parsed.password === '');
    },
    { message: 'must not contain credentials (user:password@)', ...invalidUrl },
  )
  .meta({ format: 'uri', maxLength: WEBHOOK_URL_MAX_LENGTH });

/** What an endpoint receives: `["*"]`, or event types and `prefix.*` wildcards (1–100, no repeats). */
export const enabledEventsSchema = z
  .array(z.union([z.literal('*'), eventTypeFilter]))
  .min(1)
  .max(100)
  .transform((patterns) => [...new Set(patterns)]);

const endpointId = idSchema('webhookEndpoint');
const descriptionSchema = z.string().trim().max(5000);

/** Input of `createWebhookEndpoint`. */
export const CreateWebhookEndpointInput = z.strictObject({
  url: webhookUrlSchema,
  enabledEvents: enabledEventsSchema,
  description: descriptionSchema.optional(),
  metadata: MetadataSchema.optional(),
});
/** `CreateWebhookEndpointInput` as a caller writes it. */
export type CreateWebhookEndpointInput = z.input<typeof CreateWebhookEndpointInput>;

/** Input of `getWebhookEndpoint`, `deleteWebhookEndpoint` and `sendTestWebhook`. */
export const WebhookEndpointIdInput = z.strictObject({ id: endpointId });
/** `WebhookEndpointIdInput` as a caller writes it. */
export type WebhookEndpointIdInput = z.input<typeof WebhookEndpointIdInput>;

/** Input of `listWebhookEndpoints`: newest first, by cursor. */
export const ListWebhookEndpointsInput = z.strictObject({
  limit: limitSchema,
  startingAfter: endpointId.optional(),
});
/** `ListWebhookEndpointsInput` as a caller writes it. */
export type ListWebhookEndpointsInput = z.input<typeof ListWebhookEndpointsInput>;

/**
 * Input of `updateWebhookEndpoint`: only the fields given change; `description: null` clears it;
 * metadata keys set to `null` are removed; `status` enables or disables it.
 */
export const UpdateWebhookEndpointInput = z.strictObject({
  id: endpointId,
  url: webhookUrlSchema.optional(),
  enabledEvents: enabledEventsSchema.optional(),
  status: z.enum(WEBHOOK_ENDPOINT_STATUSES).optional(),
  description: descriptionSchema.nullable().optional(),
  metadata: MetadataSchema.optional(),
});
/** `UpdateWebhookEndpointInput` as a caller writes it. */
export type UpdateWebhookEndpointInput = z.input<typeof UpdateWebhookEndpointInput>;

/** The longest overlap of a rotation: 7 days, in seconds. */
export const MAX_SECRET_OVERLAP_SECONDS = 604_800;

/** Input of `rotateWebhookSecret`: how long the previous secret still signs (default 1 day). */
export const RotateWebhookSecretInput = z.strictObject({
  id: endpointId,
  // A JSON number only: coercion would read `null`, `""` or `[]` as 0 and retire the old secret.
  expirePreviousIn: z.number().int().min(0).max(MAX_SECRET_OVERLAP_SECONDS).default(86_400),
});
/** `RotateWebhookSecretInput` as a caller writes it. */
export type RotateWebhookSecretInput = z.input<typeof RotateWebhookSecretInput>;

/** Input of `listWebhookDeliveries`: one endpoint's attempts, newest first. */
export const ListWebhookDeliveriesInput = z.strictObject({
  id: endpointId,
  eventId: idSchema('event').optional(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  limit: limitSchema,
  startingAfter: idSchema('webhookDelivery').optional(),
});
/** `ListWebhookDeliveriesInput` as a caller writes it. */
export type ListWebhookDeliveriesInput = z.input<typeof ListWebhookDeliveriesInput>;

/** The most events one replay queues. */
export const MAX_REPLAY_EVENTS = 10_000;

/**
 * Input of `replayWebhookEvents`: `eventIds` (1–100), or `since` (and `until`, default now)
 * with optional `types`, never both.
 */
export const ReplayWebhookEventsInput = z
  .strictObject({
    id: endpointId,
    eventIds: z.array(idSchema('event')).min(1).max(100).optional(),
    since: timestampSchema.optional(),
    until: timestampSchema.optional(),
    types: z.array(eventTypeFilter).min(1).max(100).optional(),
  })
  .superRefine((input, issues) => {
    const byRange = input.since !== undefined || input.until !== undefined || input.types;
    if (input.eventIds && byRange) {
      issues.addIssue({
        code: 'custom',
        path: ['eventIds'],
        message: 'give either event_ids or since/until/types, not both',
      });
    } else if (!input.eventIds && input.since === undefined) {
      issues.addIssue({
        code: 'custom',
        path: ['since'],
        message: 'give event_ids, or since (and optionally until and types)',
      });
    } else if (input.since && input.until && input.until < input.since) {
      issues.addIssue({ code: 'custom', path: ['until'], message: 'must not be before since' });
    }
  });
/** `ReplayWebhookEventsInput` as a caller writes it. */
export type ReplayWebhookEventsInput = z.input<typeof ReplayWebhookEventsInput>;
