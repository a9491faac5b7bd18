import type { ServiceContext } from '../../ports.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { UsageEventInput } from '../schemas.js';
import { prepareUsage } from './usage-event.js';

/**
 * Records one usage report. A repeated `idempotencyKey` in the scope is stored once: the repeat
 * answers `duplicate: true` with the first event's id.
 */
export async function recordUsage(
  ctx: ServiceContext,
  input: UsageEventInput,
): Promise<{ id: string; duplicate: boolean }> {
  const event = parseInput(UsageEventInput, input);
  return inTransaction(ctx, async (tx) => {
    const row = await prepareUsage(tx, ctx, event, [], new Map());
    const { id, idempotencyKey } = row.event;
    if ((await tx.insertUsageEvents(ctx.scope, [row])).has(id) || idempotencyKey === null) {
      return { id, duplicate: false };
    }
    // Read after the insert: it waited for a concurrent report of the key to commit, and sees it.
    return { id: (await tx.usageEventIdByKey(ctx.scope, idempotencyKey)) ?? id, duplicate: true };
  });
}
