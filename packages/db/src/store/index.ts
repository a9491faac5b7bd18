import type { ApiKeyStore, IdempotencyStore } from '@ledger/domain';
import type { Db } from '../database.js';
import { translatingUnavailable } from '../errors.js';
import { cachingApiKeys, type ListenForKeyChanges } from './api-key-cache.js';
import { apiKeyStore, idempotencyStore } from './platform.js';

export { createStore } from './bind.js';

/**
 * The platform stores the api package needs: API keys (cached, see `cachingApiKeys`) and
 * idempotency records. With `listen` (a server) every key change announced by the database
 * reaches the cache; without it (a one-shot CLI command) only this store's own revocations and
 * the cache's time-to-live do.
 */
export async function createPlatformStore(
  db: Db,
  listen?: ListenForKeyChanges,
): Promise<ApiKeyStore & IdempotencyStore> {
  const keys = cachingApiKeys(apiKeyStore(db));
  await listen?.(keys.forget, () => keys.forget(''));
  return translatingUnavailable({ ...keys.store, ...idempotencyStore(db) });
}
