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
    const cache: FeatureCache = new Map();
    const rows = [];
    for (const [index, event] of events.entries()) {
      rows.push(await prepareUsage(tx, ctx, event, ['events', index], cache));
    }
    let duplicates = 0;
    for (const row of rows) {
      if (!(await tx.insertUsageEvent(ctx.scope, row)).inserted) duplicates++;
    }
    return { accepted: events.length - duplicates, duplicates };
  });
}
