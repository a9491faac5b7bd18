import {
  EventSchema,
  GetEventInput,
  getEvent,
  ListEventsInput,
  listEvents,
  pageOutput,
} from '@ledger/domain';
import { operation } from '../operation.js';

/** The events API: the lifecycle events webhooks carry, readable as a log. */
export const eventOperations = [
  operation({
    operationId: 'listEvents',
    method: 'get',
    path: '/events',
    summary: 'List events',
    description:
      'Newest first. `type` is an event type or a prefix wildcard (`invoice.*`); `customer_id` and `created_gte`/`created_lte` narrow it; continue with `starting_after` (an event id).',
    tag: 'Events',
    input: ListEventsInput,
    from: 'query',
    pathParams: {},
    status: 200,
    output: pageOutput(EventSchema),
    errors: ['invalid_id'],
    run: listEvents,
  }),
  operation({
    operationId: 'getEvent',
    method: 'get',
    path: '/events/{id}',
    summary: 'Get an event',
    description:
      '`data.object` is the object as the REST API returns it after the change; `data.previous_attributes` holds the changed fields’ old values (null when there are none).',
    tag: 'Events',
    input: GetEventInput,
    from: 'none',
    pathParams: { id: 'id' },
    status: 200,
    output: EventSchema,
    errors: ['event_not_found'],
    run: getEvent,
  }),
];
