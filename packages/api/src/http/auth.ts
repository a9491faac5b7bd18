import { type ApiKeyStore, authenticateApiKey } from '@ledger/domain';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/** The secret from `Authorization: Bearer …` or `X-API-Key: …`. */
function presentedKey(authorization: string | undefined, apiKey: string | undefined): string {
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return (bearer ?? apiKey ?? '').trim();
}

/**
 * Authenticates the API key and sets the scope it belongs to. Everything after this reads the
 * scope from here, never from the request body. Missing, unknown or revoked → `unauthenticated`.
 */
export function authenticate(keys: ApiKeyStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = presentedKey(c.req.header('Authorization'), c.req.header('X-API-Key'));
    const key = await authenticateApiKey(keys, secret);
    c.set('scope', { tenantId: key.tenantId, appId: key.appId });
    c.set('apiKeyId', key.id);
    await next();
  };
}
