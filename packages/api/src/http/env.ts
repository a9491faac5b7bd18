import type { Scope, Store } from '@ledger/domain';

/** Hono variables every authenticated route can read. */
export interface AppEnv {
  Variables: {
    requestId: string;
    scope: Scope;
    apiKeyId: string;
    /** The journaled store of a request that carries `Idempotency-Key` (see `runIdempotently`). */
    store?: Store;
  };
}
