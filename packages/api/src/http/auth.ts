import {
  type ApiKeyStore,
  authenticateApiKey,
  isLedgerError,
  LedgerError,
  type Scope,
} from '@ledger/domain';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';
import { requestHeader } from './node-request.js';
import { type RateLimiter, type RateLimitOutcome, showRateLimit } from './rate-limit.js';

/** The key a request presents, and whether its two headers named two different keys. */
export interface PresentedKey {
  secret: string;
  conflicting: boolean;
}

/**
 * The secret from `Authorization: Bearer …` or `X-API-Key: …` ('' when neither is there). Both
 * doors read the key through this, so they accept exactly the same headers. Both headers naming
 * different keys is refused later ({@link callerOf}): silently picking one could act for the
 * wrong tenant.
 */
export function presentedKey(
  authorization: string | undefined,
  apiKey: string | undefined,
): PresentedKey {
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]?.trim();
  const header = apiKey?.trim();
  const conflicting = Boolean(bearer && header && bearer !== header);
  return { secret: bearer ?? header ?? '', conflicting };
}

/** Who a valid key speaks for: the scope every read and write is confined to, and the key. */
export interface Caller {
  scope: Scope;
  apiKeyId: string;
}

/**
 * Who is trying to authenticate, for the failed-authentication budget: the client address (as
 * `clientKey` writes it), the limiter, and how the door shows that budget on its answer.
 */
export interface AuthAttempt {
  limiter: RateLimiter;
  address: string;
  show: (outcome: RateLimitOutcome) => void;
}

/**
 * The caller behind a presented secret. An address whose failed authentications are spent is
 * `rate_limited` before its key is even looked at (so guessing gains nothing, and a right key
 * from that address waits too); missing, unknown or revoked → `unauthenticated`, counted against
 * the address. REST's middleware and tRPC's both call this, so a key means the same caller at
 * either door.
 */
export async function callerOf(
  keys: ApiKeyStore,
  presented: PresentedKey,
  attempt: AuthAttempt,
): Promise<Caller> {
  const spent = await attempt.limiter.refuseAddress(attempt.address);
  if (spent?.refusal) {
    attempt.show(spent);
    throw spent.refusal;
  }
  if (presented.conflicting) {
    throw new LedgerError(
      'invalid_input',
      'Authorization and X-API-Key name different keys; send the key once',
      { paramText: 'X-API-Key' },
    );
  }
  try {
    const key = await authenticateApiKey(keys, presented.secret);
    return { scope: { tenantId: key.tenantId, appId: key.appId }, apiKeyId: key.id };
  } catch (error) {
    if (isLedgerError(error, 'unauthenticated')) {
      const counted = await attempt.limiter.countFailure(attempt.address);
      if (counted) attempt.show(counted);
    }
    throw error;
  }
}

/**
 * Authenticates REST's API key and sets the scope it belongs to. Everything after this reads the
 * scope from here, never from the request body. Missing, unknown or revoked → `unauthenticated`;
 * too many of those from the client's address → `rate_limited` (see `callerOf`).
 */
export function authenticate(
  keys: ApiKeyStore,
  limiter: RateLimiter,
  addressOf: (c: Context) => string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = presentedKey(
      requestHeader(c, 'Authorization'),
      requestHeader(c, 'X-API-Key'),
    );
    const { scope, apiKeyId } = await callerOf(keys, presented, {
      limiter,
      address: addressOf(c),
      show: (outcome) => showRateLimit(c, outcome),
    });
    c.set('scope', scope);
    c.set('apiKeyId', apiKeyId);
    await next();
  };
}
