import type { ServiceContext } from '../ports.js';
import { type Page, toPage } from '../schemas/pagination.js';
import { parseInput } from '../validation.js';
import { ListEventsInput } from './schemas.js';
import { type EventView, eventView } from './view.js';

/**
 * One page of the scope's events, newest first: the log a CRM sync reads instead of (or to
 * catch up after) webhooks. Filters: `type` (exact, or `prefix.*`), customer, created range;
 * continued with `startingAfter` (an event id).
 */
export async function listEvents(
  ctx: ServiceContext,
  input: ListEventsInput = {},
): Promise<Page<EventView>> {
  const filter = parseInput(ListEventsInput, input);
  const result = await ctx.store.listEventsPage(ctx.scope, filter);
  return toPage(
    { ...result, rows: result.rows.map(eventView) },
    // An event log pages by cursor only, so its offset is always 0.
    { limit: filter.limit, offset: 0 },
  );
}
