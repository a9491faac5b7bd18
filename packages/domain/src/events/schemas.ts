import { z } from 'zod';
import { idSchema } from '../ids.js';
import { limitSchema, timestampSchema } from '../schemas/pagination.js';
import { EVENT_TYPES } from './model.js';

/**
 * An event type filter: a type of {@link EVENT_TYPES}, or a prefix wildcard (`customer.*`,
 * `customer.payment_method.*`) that matches at least one of them.
 */
export const eventTypeFilter = z
  .string()
  .refine(
    (value) =>
      (EVENT_TYPES as readonly string[]).includes(value) ||
      (value.endsWith('.*') && EVENT_TYPES.some((type) => type.startsWith(value.slice(0, -1)))),
    { message: 'must be an event type or a prefix of one followed by ".*" (e.g. "invoice.*")' },
  );

/** Input of `listEvents`: newest first, by type, customer and created range, with a cursor. */
export const ListEventsInput = z.strictObject({
  type: eventTypeFilter.optional(),
  customerId: idSchema('customer').optional(),
  createdGte: timestampSchema.optional(),
  createdLte: timestampSchema.optional(),
  limit: limitSchema,
  startingAfter: idSchema('event').optional(),
});
/** `ListEventsInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ListEventsInput = z.input<typeof ListEventsInput>;
/** `ListEventsInput` after parsing: what `OutboxStore.listEventsPage` receives (cursor paging only). */
export type ListEventsFilter = z.output<typeof ListEventsInput>;

/** Input of `getEvent`. */
export const GetEventInput = z.strictObject({ id: idSchema('event') });
/** `GetEventInput` as a caller writes it. */
export type GetEventInput = z.input<typeof GetEventInput>;
