import type { CustomerId } from '../ids.js';
import type { Store } from '../ports.js';
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

/**
 * Marks a kept response body as sealed (the secret box, see `ResponseSeal` in the api); bodies
 * kept before sealing existed replay as they are. Shared with erasure, which reseals what it
 * rewrites.
 */
export const SEALED_ANSWER_PREFIX = 'sealed:';

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
 * How a keyed request's store transactions are journaled (see `IdempotencyStore.journaledStore`):
 * the results its first attempt committed, and how results are written and read back.
 */
export interface StepJournal {
  /** Results already committed under the key, by the transaction's position in the request. */
  recorded: ReadonlyMap<number, string>;
  encode(result: unknown): string;
  decode(text: string): unknown;
  /**
   * Test port: runs after each journaled transaction commits, before the request goes on, so a
   * test can cut the database or fail the request exactly between commit and response.
   */
  afterCommit?: () => Promise<void> | void;
}

/**
 * What a kept answer is checked against when it is written: the customers it mentions, and how
 * to take out the personal data of those that turn out erased (see `completeIdempotencyKey`).
 */
export interface KeptAnswerGuard {
  customerIds: readonly CustomerId[];
  /** The (sealed) body without the personal data of the `erased` customers. */
  scrub(body: string, erased: readonly CustomerId[]): string;
}

/**
 * Idempotency keys live in the database so every server process sees them. `reserve` is one
 * atomic statement: it inserts the key, takes over one that expired (a new generation), resumes
 * one whose request was abandoned under the same parameters (its lease passed), gives an
 * attempt back its own reservation, or else returns the existing record untouched.
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
      /** This attempt's own id: the same attempt reserving again gets its reservation back. */
      owner: string;
    },
  ): Promise<
    | { reserved: true; steps: ReadonlyMap<number, string> }
    | { reserved: false; record: IdempotencyRecord }
  >;
  /**
   * Keeps the answer of a finished request for replay. With `guard`, the customers the answer
   * mentions are locked (shared) first and the answer is scrubbed of those erased meanwhile:
   * an erasure that committed after the request's own commit, but before this write, would
   * otherwise find no answer to rewrite and leave this one holding the personal data.
   */
  completeIdempotencyKey(
    scope: Scope,
    key: string,
    response: StoredResponse,
    guard?: KeptAnswerGuard,
  ): Promise<void>;
  /**
   * Lets go of a reservation `owner` still holds, for a request that must not be remembered: a
   * key none of whose transactions committed is forgotten; one with committed steps (even a
   * commit whose answer was lost) keeps them and only ends its lease, so a retry with the same
   * parameters resumes at once and replays what was committed.
   */
  releaseIdempotencyKey(scope: Scope, key: string, owner: string): Promise<void>;
  /**
   * A store for one keyed request: each outermost transaction also writes its result as the
   * request's next step, in that same transaction, and a transaction whose step the journal
   * already holds is not run again; its recorded result is returned instead.
   */
  journaledStore(scope: Scope, key: string, journal: StepJournal): Store;
}
