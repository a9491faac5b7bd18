import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { router } from './init.js';
import { customerRouter } from './routers/customer.js';

/** The whole tRPC API, one nested router per aggregate. */
export const appRouter = router({
  customer: customerRouter,
});

/** The router's type: what `@ledger/client` is typed against. */
export type AppRouter = typeof appRouter;
/** Inputs of every procedure, e.g. `RouterInputs['customer']['create']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `RouterOutputs['customer']['get']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
