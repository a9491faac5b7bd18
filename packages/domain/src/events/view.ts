import type { EventId } from '../ids.js';
import type { EventType, LedgerEvent } from './model.js';

/**
 * An event as the events API returns it: the stored event without its scope, `data` holding the
 * object after the change and the changed fields' previous values (null when nothing changed).
 */
export interface EventView {
  id: EventId;
  type: EventType;
  createdAt: Date;
  customerId: string | null;
  sequence: number;
  data: { object: Record<string, unknown>; previousAttributes: Record<string, unknown> | null };
}

/** The API's view of a stored event. */
export function eventView(event: LedgerEvent): EventView {
  return {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    customerId: event.customerId,
    sequence: event.sequence,
    data: {
      // Every event's object is one of the API's objects, stored as its JSON.
      object: event.data.object as Record<string, unknown>,
      previousAttributes: event.previousAttributes ?? null,
    },
  };
}
