import { LedgerError } from '@ledger/domain';
import { Hono } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';
import { cors } from 'hono/cors';
import { type ApiDeps, idempotencyPorts } from './deps.js';
import { apiHeaders } from './http/api-headers.js';
import { authenticate } from './http/auth.js';
import { flagLargeBody, limitBody } from './http/body-limit.js';
import { docsPage } from './http/docs-page.js';
import type { AppEnv } from './http/env.js';
import { idempotency } from './http/idempotency.js';
import { type ErrorLogger, onError } from './http/on-error.js';
import { clientAddressOf, NO_RATE_LIMITS, type RateLimits } from './http/rate-limit.js';
import { createRateLimiter, type SharedLimiterFactory } from './http/rate-limiter.js';
import { requestId } from './http/request-id.js';
import { type RequestLogger, requestLog } from './http/request-log.js';
import { type PortalOptions, portalRoutes } from './portal/routes.js';
import { mountOperations } from './rest/mount.js';
import { openApiDocument } from './rest/openapi.js';
import { OPERATIONS } from './rest/operations/index.js';
import { limitRate, restBudgets } from './rest/rate-limit.js';
import { webhookRoutes } from './rest/webhooks.js';
import { PROCEDURE_PATHS, trpcHandler } from './trpc/handler.js';

/** Options of the HTTP app beyond its dependencies. */
export interface AppOptions {
  /**
   * Where unexpected errors (every `internal_error`) go, with their request id. Required: the
   * app never decides on its own where a line goes or what of an error it keeps.
   */
  logError: ErrorLogger;
  /** Where the one line per answered request goes (method, route, status, duration, scope). */
  logRequests: RequestLogger;
  /**
   * Check every REST answer against its declaration: success bodies against the declared
   * schema, error codes against the declared list (tests turn it on; it costs a parse).
   */
  checkResponses?: boolean;
  /**
   * Browser origins allowed to call the API (CORS). Empty (the default) answers no cross-origin
   * request: an API key in a browser page is readable by anyone who loads it.
   */
  corsOrigins?: readonly string[];
  /** The per-key budgets and the failed-authentication budget (unset: no rate limits). */
  rateLimits?: RateLimits;
  /**
   * Where budgets are counted so that every server process spends the same ones (the
   * database's store); unset, each process counts in its own memory.
   */
  sharedLimiter?: SharedLimiterFactory | undefined;
  /**
   * How to read a request's connection (the Node adapter's `getConnInfo`): failed
   * authentication is limited per client address. Unset, every client shares one address.
   */
  connInfo?: GetConnInfo;
  /** How the billing portal is served (cookies, origin); unset: as for a plain-http local server. */
  portal?: PortalOptions;
}

/** How long `/readyz` waits for the database before it answers 503. */
const READY_TIMEOUT_MS = 2_000;

/** True when `work` settles successfully within `ms`; false when it fails or takes longer. */
async function withinMs(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function corsOptions(origins: readonly string[]) {
  return {
    origin: [...origins],
    allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
    exposeHeaders: [
      'X-Request-Id',
      'Idempotent-Replayed',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'RateLimit-Policy',
    ],
    maxAge: 600,
  };
}

/**
 * The whole HTTP surface: `/trpc` (typed client), `/ledger/*` (REST shim), the OpenAPI document
 * `/healthz` (the process is alive) and `/readyz` (it can reach its database). Both API doors
 * share auth, rate limits, the body limit, idempotency and error mapping.
 */
export function createApp(deps: ApiDeps, options: AppOptions) {
  const app = new Hono<AppEnv>();
  const limiter = createRateLimiter(options.rateLimits ?? NO_RATE_LIMITS, {
    shared: options.sharedLimiter,
    logger: deps.logger,
  });
  const addressOf = clientAddressOf(options.connInfo);
  const guard = [
    authenticate(deps.platform, limiter, addressOf),
    limitRate(limiter, restBudgets(OPERATIONS)),
    limitBody(),
    idempotency(idempotencyPorts(deps)),
  ] as const;

  const { logError } = options;

  app.use('*', requestLog(options.logRequests, PROCEDURE_PATHS));
  app.use('*', requestId());
  app.onError(onError(logError));
  app.notFound(() => {
    throw new LedgerError('not_found', 'No such route');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const database = await withinMs(READY_TIMEOUT_MS, deps.health.database());
    c.header('Cache-Control', 'no-store');
    return database
      ? c.json({ status: 'ready', database: 'ok' })
      : c.json({ status: 'unavailable', database: 'unreachable' }, 503);
  });
  app.get('/ledger/openapi.json', (c) =>
    c.json({ ...openApiDocument(), servers: [{ url: new URL(c.req.url).origin }] }),
  );
  app.route('/', docsPage());

  for (const door of ['/ledger/*', '/trpc/*']) {
    app.use(door, apiHeaders());
    // Preflights carry no key: answered here, before authentication.
    if (options.corsOrigins?.length) app.use(door, cors(corsOptions(options.corsOrigins)));
  }
  app.use('/ledger/*', ...guard);
  app.route(
    '/ledger',
    mountOperations(OPERATIONS, deps, { checkResponses: options.checkResponses ?? false }),
  );

  app.use('/portal/*', limitBody());
  app.route(
    '/portal',
    portalRoutes(deps, options.portal ?? { secureCookies: false, publicOrigin: null }),
  );

  app.use('/webhooks/*', limitBody());
  app.route('/webhooks', webhookRoutes(deps));

  // tRPC authenticates, limits and deduplicates in its own procedure middlewares (trpc/init.ts).
  app.use('/trpc/*', flagLargeBody());
  app.use('/trpc/*', trpcHandler(deps, { limiter, addressOf }, logError));
  return app;
}
