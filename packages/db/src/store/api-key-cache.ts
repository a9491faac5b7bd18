import type { ApiKeyRecord, ApiKeyStore } from '@ledger/domain';

/**
 * How long a verified key is trusted without asking the database again: the bound on how late a
 * revocation can reach a process whose change notifications were lost (its listening connection
 * down). With them (the normal case) a revocation reaches every process as it commits.
 */
export const API_KEY_CACHE_TTL_MS = 5_000;

/** At most this many keys are cached per process; past it the oldest entry makes room. */
export const API_KEY_CACHE_MAX_ENTRIES = 10_000;

/** The NOTIFY channel the `api_keys` triggers announce a changed key's hash on ('' = all). */
export const API_KEY_CHANNEL = 'ledger_api_keys';

/**
 * Subscribes to the database's announcements of changed keys: `onChange` gets a key's hash ('' for
 * every key), `onListen` runs each time listening (re)starts, after which announcements sent
 * while it was down are lost. Resolves once the first listening has started.
 */
export type ListenForKeyChanges = (
  onChange: (keyHash: string) => void,
  onListen: () => void,
) => Promise<void>;

/** Tuning of {@link cachingApiKeys}; the defaults are the documented bounds. */
export interface ApiKeyCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  /** Milliseconds on a monotonic clock. */
  now?: () => number;
}

interface Entry {
  record: ApiKeyRecord;
  loadedAt: number;
}

/**
 * An API key store that remembers the keys it has found by hash (never the secret), so that an
 * authenticated request costs no statement for its key. Only found keys are cached (revoked ones
 * too: revocation is final), never an unknown hash, so a flood of made-up keys adds nothing here
 * (it is the failed-authentication budget's to slow down). An entry is dropped when the
 * database announces its change (see `ListenForKeyChanges`), when this store revokes a key, and
 * at the latest `ttlMs` after it was read.
 */
export function cachingApiKeys(keys: ApiKeyStore, options: ApiKeyCacheOptions = {}) {
  const ttlMs = options.ttlMs ?? API_KEY_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? API_KEY_CACHE_MAX_ENTRIES;
  const now = options.now ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  // Bumped by every invalidation: a lookup that was under way across one does not cache what it
  // read, which may predate the change.
  let epoch = 0;
  const forget = (keyHash: string) => {
    epoch += 1;
    if (keyHash) entries.delete(keyHash);
    else entries.clear();
  };
  const store: ApiKeyStore = {
    insertApiKey: (record) => keys.insertApiKey(record),
    countApiKeys: (scope) => keys.countApiKeys(scope),
    async findApiKeyByHash(keyHash) {
      const hit = entries.get(keyHash);
      if (hit && now() - hit.loadedAt < ttlMs) return hit.record;
      const started = epoch;
      const record = await keys.findApiKeyByHash(keyHash);
      if (hit) entries.delete(keyHash);
      if (record && started === epoch) {
        if (entries.size >= maxEntries) {
          const oldest = entries.keys().next();
          if (!oldest.done) entries.delete(oldest.value);
        }
        entries.set(keyHash, { record, loadedAt: now() });
      }
      return record;
    },
    async revokeApiKey(scope, id, at) {
      try {
        return await keys.revokeApiKey(scope, id, at);
      } finally {
        // The hash of `id` is not known here; revocations are rare, so start afresh.
        forget('');
      }
    },
  };
  return { store, forget, size: () => entries.size };
}
