import type { ApiKeyStore, IdempotencyStore } from '@ledger/domain';
import type { Db } from '../database.js';
import { translatingUnavailable } from '../errors.js';
import { apiKeyStore, idempotencyStore } from './platform.js';

export { createStore } from './bind.js';

/** The platform stores the api package needs: API keys and idempotency records. */
export function createPlatformStore(db: Db): ApiKeyStore & IdempotencyStore {
  return translatingUnavailable({ ...apiKeyStore(db), ...idempotencyStore(db) });
}
