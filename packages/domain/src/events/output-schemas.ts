import { z } from 'zod';
import { outputId, TimestampSchema } from '../schemas/output-schemas.js';
import { EVENT_TYPES } from './model.js';

/**
 * An event as the events API returns it (see `EventView`): `data.object` is the object as the
 * API returns it, `data.previousAttributes` the changed fields' old values or null.
 */
export const EventSchema = z.object({
  id: outputId('event'),
  type: z.enum(EVENT_TYPES),
  createdAt: TimestampSchema,
  customerId: z.string().nullable(),
  sequence: z.number().int(),
  data: z.object({
    object: z.record(z.string(), z.unknown()),
    previousAttributes: z.record(z.string(), z.unknown()).nullable(),
  }),
});
