import { LedgerError } from '../errors.js';
import type { ServiceContext } from '../ports.js';
import { parseInput } from '../validation.js';
import { GetEventInput } from './schemas.js';
import { type EventView, eventView } from './view.js';

/** One event of the scope by id; an id of another scope is not found. */
export async function getEvent(ctx: ServiceContext, input: GetEventInput): Promise<EventView> {
  const { id } = parseInput(GetEventInput, input);
  const event = await ctx.store.getEvent(ctx.scope, id);
  if (!event) throw new LedgerError('event_not_found', 'No such event', { param: ['id'] });
  return eventView(event);
}
