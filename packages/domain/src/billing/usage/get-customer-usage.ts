import type { ServiceContext } from '../../ports.js';
import { parseInput } from '../../validation.js';
import type { FeatureUsage } from '../model.js';
import { CustomerIdInput } from '../schemas.js';
import { customerGrants, remainingOf, usedQuantity } from './feature-window.js';

/** The customer's current-period usage per metered or seat feature. */
export interface CustomerUsage {
  customerId: string;
  periodStart: Date | null;
  periodEnd: Date | null;
  usage: Record<string, FeatureUsage>;
}

/**
 * Current-period usage (the seed's `GetUsageByCustomer`): for each metered or seat feature of the
 * customer's entitled subscriptions, `{used, limit, remaining, softLimit}`.
 */
export async function getCustomerUsage(
  ctx: ServiceContext,
  input: CustomerIdInput,
): Promise<CustomerUsage> {
  const { customerId } = parseInput(CustomerIdInput, input);
  const granted = await customerGrants(ctx.store, ctx, customerId, 'customerId');
  const usage: Record<string, FeatureUsage> = {};
  const now = ctx.clock.now();
  for (const g of granted) {
    if (g.feature.type === 'boolean' || usage[g.feature.key]) continue;
    const used = await usedQuantity(ctx.store, ctx, g, now);
    usage[g.feature.key] = {
      used,
      limit: g.feature.limit,
      remaining: remainingOf(g.feature.limit, used),
      softLimit: g.feature.softLimit,
    };
  }
  const first = granted[0]?.subscription;
  return {
    customerId,
    periodStart: first?.currentPeriodStart ?? null,
    periodEnd: first?.currentPeriodEnd ?? null,
    usage,
  };
}
