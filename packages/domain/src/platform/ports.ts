import type { Scope } from '../scope.js';

/** A stored API key, without its secret (only the hash is kept). */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  appId: string;
  prefix: string;
  name: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** API keys: created once, found by the hash of the secret a caller presents. */
export interface ApiKeyStore {
  insertApiKey(record: ApiKeyRecord & { keyHash: string }): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  countApiKeys(scope: Scope): Promise<number>;
  revokeApiKey(scope: Scope, id: string, at: Date): Promise<boolean>;
}

/** The response an idempotent request produced, kept to replay it byte for byte. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An idempotency record as the store holds it. */
export interface IdempotencyRecord {
  key: string;
  requestHash: string;
  status: 'in_progress' | 'completed';
  response: StoredResponse | null;
  createdAt: Date;
}

/**
 * Idempotency keys live in the database so every server process sees them. `reserve` is one
 * atomic statement: it inserts the key, or takes over one that expired or whose request was
 * abandoned, or else returns the existing record untouched.
 */
export interface IdempotencyStore {
  reserveIdempotencyKey(
    scope: Scope,
    request: {
      key: string;
      requestHash: string;
      now: Date;
      expiredBefore: Date;
      lockedUntil: Date;
    },
  ): Promise<{ reserved: true } | { reserved: false; record: IdempotencyRecord }>;
  completeIdempotencyKey(scope: Scope, key: string, response: StoredResponse): Promise<void>;
  /** Forgets a reservation whose request must not be remembered (validation failures, 5xx). */
  releaseIdempotencyKey(scope: Scope, key: string): Promise<void>;
}
