import { trpcServer } from '@hono/trpc-server';
import type { MiddlewareHandler } from 'hono';
import type { ApiDeps } from '../deps.js';
import { isLoggedFault } from '../errors/normalize.js';
import type { AppEnv } from '../http/env.js';
import type { ErrorLogger } from '../http/on-error.js';
import { createTrpcContext, type TrpcContext, type TrpcLimits } from './context.js';
import { ledgerErrorOf } from './errors.js';
import { appRouter } from './router.js';

/** Every procedure's path (`customer.create`): the names a tRPC request line may carry. */
export const PROCEDURE_PATHS: ReadonlySet<string> = new Set(Object.keys(appRouter._def.procedures));

/**
 * `/trpc/*`: the router behind Hono. Auth, rate limits, the body limit and idempotency are
 * procedure middlewares, so tRPC itself answers every refusal, in its own wire format (batches
 * included); Hono's `onError` never sees a tRPC call. Unexpected errors are logged once with the
 * request id, as REST's are. The Response tRPC builds is handed back through `c.newResponse`,
 * because Hono drops headers set on its context before a handler returns a Response of its own:
 * that is how a procedure's `Idempotent-Replayed` and `RateLimit-*` headers reach the client.
 */
export function trpcHandler(
  deps: ApiDeps,
  limits: TrpcLimits,
  log: ErrorLogger,
): MiddlewareHandler<AppEnv> {
  const handle = trpcServer({
    router: appRouter,
    endpoint: '/trpc',
    createContext: (opts, c) => createTrpcContext(deps, limits, c, opts),
    onError: ({ error, ctx }) => {
      const ledger = ledgerErrorOf(error);
      const requestId = (ctx as TrpcContext | undefined)?.requestId ?? 'unknown';
      if (isLoggedFault(ledger.code)) log(ledger.cause ?? error, requestId);
    },
  });
  return async (c, next) => {
    const response = await handle(c, next);
    return response ? c.newResponse(response.body, response) : undefined;
  };
}
