import type { ServiceContext } from '../../ports.js';
import { parseInput } from '../../validation.js';
import type { Plan } from '../model.js';
import { ListPlansInput } from '../schemas.js';

/** The scope's plans, active ones unless `status` asks for archived or all. */
export async function listPlans(
  ctx: ServiceContext,
  input: ListPlansInput = {},
): Promise<{ data: Plan[] }> {
  const { status } = parseInput(ListPlansInput, input);
  return { data: await ctx.store.listPlans(ctx.scope, status) };
}
