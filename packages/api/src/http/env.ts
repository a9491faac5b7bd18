import type { Scope } from '@ledger/domain';

/** Hono variables every authenticated route can read. */
export interface AppEnv {
  Variables: {
    requestId: string;
    scope: Scope;
    apiKeyId: string;
    /** Verb input fields that came from path parameters, and the parameters' names. */
    pathParams: Record<string, string> | undefined;
  };
}
