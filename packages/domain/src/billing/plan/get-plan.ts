import type { ServiceContext } from '../../ports.js';
import { parseInput } from '../../validation.js';
import { loadPlan } from '../load.js';
import type { Plan } from '../model.js';
import { GetPlanInput } from '../schemas.js';

/** A plan by id (archived ones too). */
export async function getPlan(ctx: ServiceContext, input: GetPlanInput): Promise<Plan> {
  const { id } = parseInput(GetPlanInput, input);
  return loadPlan(ctx.store, ctx, id);
}
