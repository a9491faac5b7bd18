import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { router } from './init.js';
import { entitlementRouter, invoiceRouter, meterRouter, paymentRouter } from './routers/billing.js';
import { customerRouter } from './routers/customer.js';
import { eventRouter } from './routers/event.js';
import { planRouter } from './routers/plan.js';
import { portalRouter } from './routers/portal.js';
import { subscriptionRouter } from './routers/subscription.js';
import { fxRouter, taxRouter } from './routers/tax-fx.js';
import { webhookEndpointRouter } from './routers/webhook-endpoint.js';

/** The whole tRPC API, one nested router per aggregate. */
export const appRouter = router({
  customer: customerRouter,
  plan: planRouter,
  subscription: subscriptionRouter,
  meter: meterRouter,
  entitlement: entitlementRouter,
  invoice: invoiceRouter,
  payment: paymentRouter,
  tax: taxRouter,
  fx: fxRouter,
  event: eventRouter,
  webhookEndpoint: webhookEndpointRouter,
  portal: portalRouter,
});

/** The router's type: what `@ledger/client` is typed against. */
export type AppRouter = typeof appRouter;
/** Inputs of every procedure, e.g. `RouterInputs['customer']['create']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `RouterOutputs['customer']['get']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
