import type { ApiKeyStore, IdempotencyStore, Scope, ServiceContext } from '@ledger/domain';
import type { FetchCreateContextFnOptions } from '@trpc/server/adapters/fetch';
import type { Context } from 'hono';
import { type ApiDeps, idempotencyPorts, serviceContext } from '../deps.js';
import { type PresentedKey, presentedKey } from '../http/auth.js';
import type { AppEnv } from '../http/env.js';
import type { IdempotencyPorts } from '../http/idempotency.js';
import { requestHeader } from '../http/node-request.js';
import type { RateLimiter, RateLimitOutcome } from '../http/rate-limit.js';

/**
 * What every tRPC call starts from: the HTTP request read into plain values, and the ports the
 * procedure middlewares need. Nothing here is trusted yet: `authenticated` turns `apiKey` into the
 * caller's scope and service context. A type, not an interface, so it is the `Record` the Hono
 * adapter asks for; it names no Hono type, so the client's bundled `AppRouter` stays self-contained.
 */
export type TrpcContext = {
  requestId: string;
  /** The key from `Authorization: Bearer` or `X-API-Key` (secret '' when neither was sent). */
  apiKey: PresentedKey;
  /** `Idempotency-Key` as sent; honoured on mutations. */
  idempotencyKey: string | undefined;
  /** The body passed the 1 MiB limit and was not read: every call answers `body_too_large`. */
  bodyTooLarge: boolean;
  /** How many calls the HTTP request holds (more than one in a batch). */
  calls: number;
  /** Sets a header of the HTTP response, through the Hono context. */
  setHeader: (name: string, value: string) => void;
  /** The client's address as a budget key (`clientKey`): failed authentication is limited by it. */
  clientAddress: string;
  limiter: RateLimiter;
  /** Shows a counted call's budget on the HTTP response (see `rateLimitShower`). */
  showRateLimit: (outcome: RateLimitOutcome) => void;
  /** Records the authenticated caller's scope on the HTTP request, for its log line. */
  setScope: (scope: Scope) => void;
  platform: ApiKeyStore & IdempotencyStore;
  idempotency: IdempotencyPorts;
  /** The service context of an authenticated caller. */
  servicesFor: (scope: Scope) => ServiceContext;
};

/** What the HTTP layer hands tRPC for rate limiting: the limiter and the client's address. */
export interface TrpcLimits {
  limiter: RateLimiter;
  addressOf: (c: Context<AppEnv>) => string;
}

/**
 * One HTTP response's view of the budgets its calls spent. A batch counts each call, perhaps
 * against different budgets, so the `RateLimit-*` headers are those of the call with the fewest
 * requests left (a refusal has none), and a refusal's `Retry-After` stays once set.
 */
function rateLimitShower(setHeader: (name: string, value: string) => void) {
  let shown = Number.POSITIVE_INFINITY;
  return (outcome: RateLimitOutcome) => {
    const { 'Retry-After': retryAfter, ...budget } = outcome.headers;
    if (retryAfter !== undefined) setHeader('Retry-After', retryAfter);
    if (outcome.remaining > shown) return;
    shown = outcome.remaining;
    for (const [name, value] of Object.entries(budget)) setHeader(name, value);
  };
}

/**
 * tRPC's `createContext`: reads the key and the headers once per HTTP request (a batch's calls
 * share it) and authenticates nothing, so that a refusal comes from a procedure middleware and
 * tRPC formats it with the request id like any other error.
 */
export function createTrpcContext(
  deps: ApiDeps,
  limits: TrpcLimits,
  c: Context<AppEnv>,
  { info }: FetchCreateContextFnOptions,
): TrpcContext {
  // A streamed answer (`customer.export`) is handed to the client before its procedure runs:
  // its headers are gone, and touching the Response then would read a body already streaming.
  const setHeader = (name: string, value: string) => {
    if (!c.finalized) c.header(name, value);
  };
  return {
    requestId: c.get('requestId'),
    apiKey: presentedKey(requestHeader(c, 'Authorization'), requestHeader(c, 'X-API-Key')),
    idempotencyKey: requestHeader(c, 'Idempotency-Key'),
    bodyTooLarge: c.get('bodyTooLarge') === true,
    calls: info.calls.length,
    setHeader,
    clientAddress: limits.addressOf(c),
    limiter: limits.limiter,
    showRateLimit: rateLimitShower(setHeader),
    setScope: (scope) => c.set('scope', scope),
    platform: deps.platform,
    idempotency: idempotencyPorts(deps),
    servicesFor: (scope) => serviceContext(deps, scope),
  };
}
