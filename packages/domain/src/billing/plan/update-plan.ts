import type { ServiceContext } from '../../ports.js';
import { mergeMetadata } from '../../schemas/metadata.js';
import { inTransaction } from '../../transaction.js';
import { parseInput } from '../../validation.js';
import { loadPlan } from '../load.js';
import type { Plan } from '../model.js';
import { UpdatePlanInput } from '../schemas.js';

/**
 * Renames a plan, changes its trial days or metadata, or archives it (`status: "archived"`):
 * archived plans keep their subscriptions but take no new ones. Prices never change in place, so
 * what a customer subscribed to stays what they are billed.
 */
export async function updatePlan(ctx: ServiceContext, input: UpdatePlanInput): Promise<Plan> {
  const data = parseInput(UpdatePlanInput, input);
  return inTransaction(ctx, async (tx) => {
    const plan = await loadPlan(tx, ctx, data.id);
    const next: Plan = {
      ...plan,
      name: data.name ?? plan.name,
      trialDays: data.trialDays ?? plan.trialDays,
      status: data.status ?? plan.status,
      metadata: data.metadata ? mergeMetadata(plan.metadata, data.metadata) : plan.metadata,
      updatedAt: ctx.clock.now(),
    };
    await tx.updatePlan(ctx.scope, next);
    return next;
  });
}
