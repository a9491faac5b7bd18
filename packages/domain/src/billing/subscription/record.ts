import type { EventType } from '../../events/model.js';
import { recordCustomerEvent } from '../../events/record-event.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import type { Subscription } from '../model.js';

/** Writes a subscription and its event in the caller's transaction. */
export async function saveSubscription(
  tx: StoreTx,
  ctx: ServiceContext,
  before: Subscription,
  after: Subscription,
  type: EventType,
): Promise<Subscription> {
  await tx.updateSubscription(ctx.scope, after);
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof Subscription>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]) && key !== 'updatedAt')
      previous[key] = before[key];
  }
  await recordCustomerEvent(tx, ctx, type, { id: after.customerId }, after, previous);
  return after;
}
