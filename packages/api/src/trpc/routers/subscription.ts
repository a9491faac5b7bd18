import {
  type CancelSubscriptionInput,
  type ChangePlanInput,
  type CreateSubscriptionInput,
  cancelSubscription,
  changePlan,
  createSubscription,
  getSubscription,
  pauseSubscription,
  resumeSubscription,
  type SubscriptionIdInput,
  undoCancellation,
} from '@ledger/domain';
import { procedure, router, typed } from '../init.js';

/** `subscription.*`. */
export const subscriptionRouter = router({
  create: procedure
    .input(typed<CreateSubscriptionInput>())
    .mutation(({ ctx, input }) => createSubscription(ctx.services, input)),
  get: procedure
    .input(typed<SubscriptionIdInput>())
    .query(({ ctx, input }) => getSubscription(ctx.services, input)),
  cancel: procedure
    .input(typed<CancelSubscriptionInput>())
    .mutation(({ ctx, input }) => cancelSubscription(ctx.services, input)),
  pause: procedure
    .input(typed<SubscriptionIdInput>())
    .mutation(({ ctx, input }) => pauseSubscription(ctx.services, input)),
  resume: procedure
    .input(typed<SubscriptionIdInput>())
    .mutation(({ ctx, input }) => resumeSubscription(ctx.services, input)),
  undoCancellation: procedure
    .input(typed<SubscriptionIdInput>())
    .mutation(({ ctx, input }) => undoCancellation(ctx.services, input)),
  changePlan: procedure
    .input(typed<ChangePlanInput>())
    .mutation(({ ctx, input }) => changePlan(ctx.services, input)),
});
