import type { ServiceContext } from '../../ports.js';
import { mergeMetadata } from '../../schemas/metadata.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import type { Plan } from '../model.js';
import { CreatePlanInput } from '../schemas.js';

/**
 * Creates a plan: features (metered, boolean, seat; limits with -1 unlimited; soft limits) and
 * pricing (base amount per period plus graduated, volume or flat tiers). Slugs are unique per
 * scope (`duplicate_plan_slug`).
 */
export async function createPlan(ctx: ServiceContext, input: CreatePlanInput): Promise<Plan> {
  const data = parseInput(CreatePlanInput, input);
  const now = ctx.clock.now();
  const plan: Plan = {
    id: ctx.ids.newId('plan'),
    name: data.name,
    slug: data.slug,
    currency: data.currency,
    status: 'active',
    trialDays: data.trialDays,
    features: data.features,
    pricing: data.pricing,
    metadata: mergeMetadata({}, data.metadata ?? {}),
    createdAt: now,
    updatedAt: now,
  };
  return inTransaction(ctx, async (tx) => {
    await tx.insertPlan(ctx.scope, plan);
    return plan;
  });
}
