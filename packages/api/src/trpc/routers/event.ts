import { type GetEventInput, getEvent, type ListEventsInput, listEvents } from '@ledger/domain';
import { procedure, router, typed } from '../init.js';

/** `event.*`: the events API. */
export const eventRouter = router({
  list: procedure
    .input(typed<ListEventsInput | undefined>())
    .query(({ ctx, input }) => listEvents(ctx.services, input)),
  get: procedure
    .input(typed<GetEventInput>())
    .query(({ ctx, input }) => getEvent(ctx.services, input)),
});
