import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { RecordUsageBatchInput } from '../schemas.js';
import { type FeatureCache, prepareUsage } from './usage-event.js';

/**
 * Records 1–1000 usage reports all or none: every event is checked before any is stored, and one
 * invalid event refuses the batch, naming it (`events[i].…`). Repeated idempotency keys count as
 * duplicates, stored once.
 */
export async function recordUsageBatch(
  ctx: ServiceContext,
  input: RecordUsageBatchInput,
): Promise<{ accepted: number; duplicates: number }> {
  const { events } = parseInput(RecordUsageBatchInput, input);
  return inTransaction(ctx, async (tx) => {
    // Customers are only read (usage never changes them), so the only row locks a batch takes are
    // its idempotency keys' (an insert over a stored key updates it); see the sort below.
    const cache: FeatureCache = new Map();
    const rows = [];
    for (const [index, event] of events.entries()) {
      rows.push(await prepareUsage(tx, ctx, event, ['events', index], cache));
    }
    // Keys are written in one order, so two batches naming the same keys in opposite orders cannot
    // deadlock. A stable sort: of two events with one key, the first in the batch is stored.
    const keyOf = (row: { idempotencyKey: string | null }) => row.idempotencyKey ?? '';
    rows.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    let duplicates = 0;
    for (const row of rows) {
      if (!(await tx.insertUsageEvent(ctx.scope, row)).inserted) duplicates++;
    }
    return { accepted: events.length - duplicates, duplicates };
  });
}
