import { loadLiveCustomer } from '../../customer/load-customer.js';
import { formatParam, LedgerError } from '../../errors.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import type { UsageEvent } from '../model.js';
import type { UsageEventInput } from '../schemas.js';
import { type GrantedFeature, grantedFeatures } from './feature-window.js';

/** Usage may be reported up to 35 days late and 5 minutes early (clock skew), as Stripe's meters. */
export const USAGE_WINDOW = { pastMs: 35 * 86_400_000, futureMs: 5 * 60_000 } as const;

/** A usage report after its schema. */
export type ParsedUsageEvent = ReturnType<typeof UsageEventInput.parse>;

/** Features per customer, looked up once per request (a batch names few customers many times). */
export type FeatureCache = Map<string, GrantedFeature[]>;

/**
 * Checks one report against the rules the schema cannot know: a sane timestamp, a live customer of
 * this scope, and a metered or seat feature on one of its subscriptions. Returns the row to store.
 */
export async function prepareUsage(
  tx: StoreTx,
  ctx: ServiceContext,
  event: ParsedUsageEvent,
  path: Array<string | number>,
  cache: FeatureCache,
): Promise<UsageEvent> {
  const now = ctx.clock.now();
  const timestamp = event.timestamp ?? now;
  const age = now.getTime() - timestamp.getTime();
  if (age > USAGE_WINDOW.pastMs || -age > USAGE_WINDOW.futureMs) {
    throw new LedgerError(
      'invalid_input',
      'Usage timestamps must be within the last 35 days and not in the future',
      {
        param: [...path, 'timestamp'],
      },
    );
  }
  let features = cache.get(event.customerId);
  if (!features) {
    await loadLiveCustomer(tx, ctx, event.customerId, {
      param: formatParam([...path, 'customerId']),
    });
    features = await grantedFeatures(tx, ctx, event.customerId);
    cache.set(event.customerId, features);
  }
  if (!features.some((g) => g.feature.key === event.featureKey && g.feature.type !== 'boolean')) {
    throw new LedgerError(
      'feature_not_found',
      `No metered or seat feature "${event.featureKey}" on the customer's subscriptions`,
      {
        param: [...path, 'featureKey'],
      },
    );
  }
  return {
    id: ctx.ids.newId('usageEvent'),
    customerId: event.customerId,
    featureKey: event.featureKey,
    quantity: event.quantity,
    timestamp,
    idempotencyKey: event.idempotencyKey ?? null,
    createdAt: now,
  };
}
