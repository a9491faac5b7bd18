import { type ApiKeyStore, authenticateApiKey, LedgerError, type Scope } from '@ledger/domain';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

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
 * The caller behind a presented secret. Missing, unknown or revoked → `unauthenticated`. REST's
 * middleware and tRPC's both call this, so a key means the same caller at either door.
 */
export async function callerOf(keys: ApiKeyStore, presented: PresentedKey): Promise<Caller> {
  if (presented.conflicting) {
    throw new LedgerError(
      'invalid_input',
      'Authorization and X-API-Key name different keys; send the key once',
      { paramText: 'X-API-Key' },
    );
  }
  const key = await authenticateApiKey(keys, presented.secret);
  return { scope: { tenantId: key.tenantId, appId: key.appId }, apiKeyId: key.id };
}

/**
 * Authenticates REST's API key and sets the scope it belongs to. Everything after this reads the
 * scope from here, never from the request body. Missing, unknown or revoked → `unauthenticated`.
 */
export function authenticate(keys: ApiKeyStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = presentedKey(c.req.header('Authorization'), c.req.header('X-API-Key'));
    const { scope, apiKeyId } = await callerOf(keys, presented);
    c.set('scope', scope);
    c.set('apiKeyId', apiKeyId);
    await next();
  };
}
