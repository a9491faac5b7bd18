import type { CustomerId } from '../ids.js';
import type { Scope } from '../scope.js';
import type { Customer } from './model.js';

/** An outbox row's payload as erasure rewrites it. */
export interface StoredEventPayload {
  data: { object: unknown };
  previousAttributes?: Record<string, unknown>;
}

/** A rewrite of one stored copy: the new text or payload, or null to leave it as it is. */
export type Rewrite<T> = (stored: T) => T | null;

/**
 * What erasure needs of the store, inside its transaction: every place Ledger keeps a copy of a
 * customer's personal data, so one verb can remove them all and commit once.
 */
export interface ErasureStore {
  /**
   * Writes the erased profile (placeholders, `erasedAt`), keeps only the brand of its cards,
   * clears its webhook deliveries' response excerpts and deletes its portal sessions.
   */
  eraseCustomerRecords(scope: Scope, erased: Customer): Promise<void>;
  /** Applies `rewrite` to the payload of each of the customer's events, oldest first. */
  rewriteCustomerEvents(
    scope: Scope,
    customerId: CustomerId,
    rewrite: Rewrite<StoredEventPayload>,
  ): Promise<void>;
  /** Applies `rewrite` to the response body of each completed idempotency record of the scope. */
  rewriteKeptResponses(scope: Scope, rewrite: Rewrite<string>): Promise<void>;
  /**
   * Forgets the step journal of every idempotency key of the scope whose journal mentions
   * `text` (the customer's id): a completed key replays its kept response, never its steps.
   */
  forgetStepsMentioning(scope: Scope, text: string): Promise<void>;
  /** The processor customers of this customer (processor name and its id there). */
  listProcessorCustomers(
    scope: Scope,
    customerId: CustomerId,
  ): Promise<Array<{ processor: string; externalId: string }>>;
  /** Forgets one processor customer once the processor has deleted it. */
  forgetProcessorCustomer(scope: Scope, customerId: CustomerId, processor: string): Promise<void>;
}
