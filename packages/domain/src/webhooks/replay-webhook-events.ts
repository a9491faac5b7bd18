import { LedgerError } from '../errors.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { assertEnabled } from './assert-enabled.js';
import { loadEndpoint } from './load-endpoint.js';
import type { WebhookReplaySelection } from './ports.js';
import { MAX_REPLAY_EVENTS, ReplayWebhookEventsInput } from './schemas.js';

type Input = ReturnType<typeof ReplayWebhookEventsInput.parse>;

function selectionOf(input: Input, now: Date): WebhookReplaySelection {
  if (input.eventIds) return { eventIds: [...new Set(input.eventIds)] };
  return { since: input.since ?? now, until: input.until ?? now, types: input.types };
}

async function assertSelection(
  tx: StoreTx,
  ctx: ServiceContext,
  input: Input,
  selection: WebhookReplaySelection,
) {
  if ('eventIds' in selection) {
    for (const [index, id] of (input.eventIds ?? []).entries()) {
      if (!(await tx.getEvent(ctx.scope, id))) {
        throw new LedgerError('event_not_found', `No event ${id} in this scope`, {
          param: ['eventIds', index],
        });
      }
    }
    return;
  }
  const count = await tx.countReplayEvents(ctx.scope, selection, MAX_REPLAY_EVENTS);
  if (count > MAX_REPLAY_EVENTS) {
    throw new LedgerError(
      'invalid_input',
      `The range holds more than ${MAX_REPLAY_EVENTS} events; replay a narrower one`,
      { param: ['since'] },
    );
  }
}

/**
 * Sends past events to one endpoint again (by ids, or those created in a range, optionally of
 * some types), whatever it subscribes to now. Each gets a new attempt with the same
 * `webhook-id`, so a receiver that already has it dedupes it. Nothing is queued unless all is.
 */
export async function replayWebhookEvents(
  ctx: ServiceContext,
  input: ReplayWebhookEventsInput,
): Promise<{ queued: number }> {
  const parsed = parseInput(ReplayWebhookEventsInput, input);
  const now = ctx.clock.now();
  const selection = selectionOf(parsed, now);
  const queued = await inTransaction(ctx, async (tx) => {
    assertEnabled(await loadEndpoint(tx, ctx, parsed.id));
    await assertSelection(tx, ctx, parsed, selection);
    return tx.queueWebhookReplay(ctx.scope, parsed.id, selection, now);
  });
  return { queued };
}
