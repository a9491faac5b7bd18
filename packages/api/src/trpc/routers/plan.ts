import {
  type CreatePlanInput,
  createPlan,
  type GetPlanInput,
  getPlan,
  type ListPlansInput,
  listPlans,
  type UpdatePlanInput,
  updatePlan,
} from '@ledger/domain';
import { procedure, router, typed } from '../init.js';

/** `plan.*`. */
export const planRouter = router({
  create: procedure
    .input(typed<CreatePlanInput>())
    .mutation(({ ctx, input }) => createPlan(ctx.services, input)),
  get: procedure
    .input(typed<GetPlanInput>())
    .query(({ ctx, input }) => getPlan(ctx.services, input)),
  list: procedure
    .input(typed<ListPlansInput | undefined>())
    .query(({ ctx, input }) => listPlans(ctx.services, input)),
  update: procedure
    .input(typed<UpdatePlanInput>())
    .mutation(({ ctx, input }) => updatePlan(ctx.services, input)),
});
