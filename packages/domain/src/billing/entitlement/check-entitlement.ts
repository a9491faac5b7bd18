import type { ServiceContext } from '../../ports.js';
import { ONE_STATEMENT } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import type { EntitlementCheck } from '../model.js';
import { CheckEntitlementInput } from '../schemas.js';
import { customerGrants, remainingOf, usedQuantity } from '../usage/feature-window.js';

/** Why a check was answered as it was (null: within the limit). */
export type EntitlementReason =
  | 'no_active_subscription'
  | 'feature_not_in_plan'
  | 'limit_exceeded'
  | 'soft_limit_exceeded'
  | null;

/**
 * May the customer use `quantity` more of a feature? Boolean features are granted by having them;
 * metered and seat features compare `used + quantity` with the limit (-1 unlimited); past a soft
 * limit the answer is yes with `soft_limit_exceeded`, past a hard one no. Every check is recorded
 * (the customer's export includes them) before it is answered. A check reads once (the customer
 * with its subscriptions, their plans and the feature's usage over each current period; a feature
 * counted over another window reads its total after) outside any transaction, and then writes the
 * row that records it (the store may commit it with concurrent checks' rows): nothing is held
 * while it reads.
 */
export async function checkEntitlement(
  ctx: ServiceContext,
  input: CheckEntitlementInput,
): Promise<EntitlementCheck & { feature: string }> {
  const data = parseInput(CheckEntitlementInput, input);
  const granted = await customerGrants(
    ctx.store,
    ctx,
    data.customerId,
    'customerId',
    data.featureKey,
  );
  const match = granted.find((g) => g.feature.key === data.featureKey);
  let answer: Pick<EntitlementCheck, 'allowed' | 'used' | 'limit' | 'remaining' | 'softLimit'> & {
    reason: EntitlementReason;
  };
  if (!match) {
    answer = {
      allowed: false,
      used: 0,
      limit: 0,
      remaining: 0,
      softLimit: false,
      reason: granted.length ? 'feature_not_in_plan' : 'no_active_subscription',
    };
  } else if (match.feature.type === 'boolean') {
    answer = {
      allowed: true,
      used: 0,
      limit: match.feature.limit,
      remaining: match.feature.limit,
      softLimit: match.feature.softLimit,
      reason: null,
    };
  } else {
    const { limit, softLimit } = match.feature;
    const used = await usedQuantity(ctx.store, ctx, match, ctx.clock.now());
    const within = limit === -1 || used + data.quantity <= limit;
    answer = {
      allowed: within || softLimit,
      used,
      limit,
      remaining: remainingOf(limit, used),
      softLimit,
      reason: within ? null : softLimit ? 'soft_limit_exceeded' : 'limit_exceeded',
    };
  }
  const check: EntitlementCheck = {
    id: ctx.ids.newId('entitlementCheck'),
    customerId: data.customerId,
    featureKey: data.featureKey,
    quantity: data.quantity,
    ...answer,
    createdAt: ctx.clock.now(),
  };
  // The one write, a unit of its own: a request sent with an Idempotency-Key journals it in a
  // transaction there, so its retry after a fault answers the recorded check rather than
  // recording another; without a key it is one INSERT, without BEGIN/COMMIT.
  return ctx.store.transaction(async (writer) => {
    await writer.insertEntitlementCheck(ctx.scope, check);
    return { ...check, feature: data.featureKey };
  }, ONE_STATEMENT);
}
