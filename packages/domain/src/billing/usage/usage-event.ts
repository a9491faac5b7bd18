import { loadCustomer } from '../../customer/load-customer.js';
import { formatParam, LedgerError } from '../../errors.js';
import type { ServiceContext, StoreTx } from '../../ports.js';
import type { UsageRecord } from '../ports.js';
import type { UsageEventInput } from '../schemas.js';
import { type GrantedFeature, grantedFeatures } from './feature-window.js';
import { usageBucket } from './usage-bucket.js';

/** Usage may be reported up to 35 days late and 5 minutes early (clock skew), as Stripe's meters. */
export const USAGE_WINDOW = { pastMs: 35 * 86_400_000, futureMs: 5 * 60_000 } as const;

/** A usage report after its schema. */
export type ParsedUsageEvent = ReturnType<typeof UsageEventInput.parse>;

/** Features per customer, looked up once per request (a batch names few customers many times). */
export type FeatureCache = Map<string, GrantedFeature[]>;

/**
 * Checks one report against the rules the schema cannot know: a sane timestamp, a live customer of
 * this scope, and a metered or seat feature on one of its subscriptions. Metered usage must also
 * fall in a period still open: a report before the current period of the subscriptions granting
 * the feature (the earliest, when several do) belongs to a period already invoiced and would be
 * billed nowhere. Seat counts are a gauge and keep the whole window. The customer is only read,
 * never locked: usage does not change it. Returns the row to store, with the running total it adds
 * to ({@link usageBucket}).
 */
export async function prepareUsage(
  tx: StoreTx,
  ctx: ServiceContext,
  event: ParsedUsageEvent,
  path: Array<string | number>,
  cache: FeatureCache,
): Promise<UsageRecord> {
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
    const param = formatParam([...path, 'customerId']);
    const customer = await loadCustomer(tx, ctx, event.customerId, { param });
    if (customer.status === 'deleted') {
      throw new LedgerError(
        'customer_deleted',
        `Customer ${event.customerId} is deleted and cannot change`,
        { param: [param] },
      );
    }
    // Share-locked: the period they bill cannot close until this event is stored.
    features = await grantedFeatures(tx, ctx, event.customerId, { forShare: true });
    cache.set(event.customerId, features);
  }
  const granting = features.filter(
    (g) => g.feature.key === event.featureKey && g.feature.type !== 'boolean',
  );
  if (granting.length === 0) {
    throw new LedgerError(
      'feature_not_found',
      `No metered or seat feature "${event.featureKey}" on the customer's subscriptions`,
      {
        param: [...path, 'featureKey'],
      },
    );
  }
  const metered = granting.filter((g) => g.feature.type === 'metered');
  if (metered.length > 0) {
    const openSince = Math.min(...metered.map((g) => g.subscription.currentPeriodStart.getTime()));
    if (timestamp.getTime() < openSince) {
      throw new LedgerError(
        'invalid_input',
        `Usage before ${new Date(openSince).toISOString()} falls in a billing period that is closed (already invoiced)`,
        { param: [...path, 'timestamp'] },
      );
    }
  }
  return {
    event: {
      id: ctx.ids.newId('usageEvent'),
      customerId: event.customerId,
      featureKey: event.featureKey,
      quantity: event.quantity,
      timestamp,
      idempotencyKey: event.idempotencyKey ?? null,
      createdAt: now,
    },
    bucketStart: usageBucket(granting, timestamp),
  };
}
