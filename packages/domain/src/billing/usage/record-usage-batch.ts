import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import type { UsageRecord } from '../ports.js';
import { RecordUsageBatchInput } from '../schemas.js';
import { type FeatureCache, prepareUsage } from './usage-event.js';

/**
 * Records 1–1000 usage reports all or none: every event is checked before any is stored, and one
 * invalid event refuses the batch, naming it (`events[i].…`). Repeated idempotency keys count as
 * duplicates, stored once (within the batch, the first event with the key). The events are stored,
 * and added to the running totals, in one statement.
 */
export async function recordUsageBatch(
  ctx: ServiceContext,
  input: RecordUsageBatchInput,
): Promise<{ accepted: number; duplicates: number }> {
  const { events } = parseInput(RecordUsageBatchInput, input);
  return inTransaction(ctx, async (tx) => {
    // Customers are only read (usage never changes them), so the only row locks a batch takes are
    // its idempotency keys' (see the sort below) and its running totals' (taken last, in key order).
    const cache: FeatureCache = new Map();
    const rows: UsageRecord[] = [];
    for (const [index, event] of events.entries()) {
      rows.push(await prepareUsage(tx, ctx, event, ['events', index], cache));
    }
    // Of two events with one key, the first in the batch is the one offered to the store.
    const seen = new Set<string>();
    const unique = rows.filter(({ event }) => {
      if (event.idempotencyKey === null) return true;
      if (seen.has(event.idempotencyKey)) return false;
      seen.add(event.idempotencyKey);
      return true;
    });
    // Keys are written in one order, so two batches naming the same keys in opposite orders cannot
    // deadlock.
    const keyOf = (row: UsageRecord) => row.event.idempotencyKey ?? '';
    unique.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    const stored = await tx.insertUsageEvents(ctx.scope, unique);
    return { accepted: stored.size, duplicates: events.length - stored.size };
  });
}
