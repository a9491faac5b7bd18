import type { ServiceContext } from '../../ports.js';
import { parseInput } from '../../validation.js';
import { loadSubscription } from '../load.js';
import type { Subscription } from '../model.js';
import { SubscriptionIdInput } from '../schemas.js';

/** A subscription by id. */
export async function getSubscription(
  ctx: ServiceContext,
  input: SubscriptionIdInput,
): Promise<Subscription> {
  const { id } = parseInput(SubscriptionIdInput, input);
  return loadSubscription(ctx.store, ctx, id);
}
