import type { Scope } from '@ledger/domain';

/** Hono variables every authenticated route can read. */
export interface AppEnv {
  Variables: {
    requestId: string;
    scope: Scope;
    apiKeyId: string;
  };
}
