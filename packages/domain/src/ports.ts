import type { BalanceTransaction, BalanceTransactionType } from './balance/model.js';
import type { BillingStore, FxPort, FxStore, PaymentsPort, TaxPort } from './billing/ports.js';
import type { ErasureStore } from './customer/erasure-ports.js';
import type { ExportStore } from './customer/export-store.js';
import type { Customer } from './customer/model.js';
import type { ListCustomersFilter } from './customer/schemas.js';
import type { EventType, LedgerEvent } from './events/model.js';
import type { ListEventsFilter } from './events/schemas.js';
import type {
  BalanceTransactionId,
  CustomerId,
  EventId,
  Id,
  IdKind,
  PaymentMethodId,
} from './ids.js';
import type { PaymentMethod } from './payment-method/model.js';
import type { PortalLinks, PortalStore } from './portal/ports.js';
import type { PageResult } from './schemas/pagination.js';
import type { Scope } from './scope.js';
import type { TaxIdVerifier } from './tax-ids/verifier.js';
import type {
  AppendEventOptions,
  WebhookSecrets,
  WebhookStore,
  WebhookUrlPolicy,
} from './webhooks/ports.js';

/**
 * The customer part of the store: the seed's `Store` interface, scope-explicit. Every method
 * filters by `scope`, so an id from another scope is simply not found.
 */
export interface CustomerStore {
  /**
   * Inserts a new customer and appends `created`, its `customer.created` event (as `appendEvent`
   * would, with `options`), in one statement: nothing is written unless both are. A live customer
   * with the same email gives `duplicate_customer_email`. Its event sequence starts at
   * `CREATED_EVENT_SEQUENCE`, taken by `created`: the next `nextEventSequence` answers the one
   * after.
   */
  createCustomer(
    scope: Scope,
    customer: Customer,
    created: LedgerEvent,
    options: AppendEventOptions,
  ): Promise<void>;
  /** A customer of this scope (deleted ones too); `forUpdate` locks the row for the transaction. */
  getCustomer(
    scope: Scope,
    id: CustomerId,
    options?: { forUpdate?: boolean },
  ): Promise<Customer | null>;
  /** The live (not deleted) customer with this lower-cased email. */
  getCustomerByEmail(scope: Scope, email: string): Promise<Customer | null>;
  /** Writes the profile fields and status of `customer` (never the balance). */
  updateCustomer(scope: Scope, customer: Customer): Promise<void>;
  /** Soft-deletes: status `deleted`, `deletedAt` set. */
  deleteCustomer(scope: Scope, id: CustomerId, deletedAt: Date): Promise<void>;
  /** One page of customers, newest first. */
  listCustomers(scope: Scope, filter: ListCustomersFilter): Promise<PageResult<Customer>>;
  /** Takes the next per-customer event sequence number (atomic increment). */
  nextEventSequence(scope: Scope, id: CustomerId): Promise<number>;
}

/** A journal posting before the store fills in the resulting balance, and its event. */
export interface BalancePosting {
  id: BalanceTransactionId;
  customerId: CustomerId;
  type: BalanceTransactionType;
  amount: number;
  currency: string;
  description: string;
  invoiceId: string | null;
  createdAt: Date;
  /** The `customer.balance.updated` event that announces it, at `createdAt`. */
  event: { id: EventId; owedInProcess: boolean };
}

/** What a posting wrote: the customer after it, and its journal row. */
export interface PostedBalance {
  customer: Customer;
  transaction: BalanceTransaction;
}

/** The balance journal. Rows are immutable; the database refuses updates and deletes. */
export interface BalanceStore {
  /**
   * In one statement, so a contended customer's row is locked for that statement alone: when the
   * customer is live, billed in `posting.currency`, and its balance plus `posting.amount` stays
   * within ±(2^53 − 1), adds the amount, takes the customer's next event sequence, inserts the
   * journal row with the resulting `endingBalance`, appends the `customer.balance.updated` event
   * (`data.object` the customer after, `previousAttributes.balance` the balance before) and queues
   * its webhook deliveries. Null when a condition does not hold: then nothing was written.
   */
  postBalance(scope: Scope, posting: BalancePosting): Promise<PostedBalance | null>;
  listBalanceTransactions(
    scope: Scope,
    customerId: CustomerId,
    page: { limit: number; offset: number; startingAfter?: string | undefined },
  ): Promise<PageResult<BalanceTransaction>>;
}

/** Payment methods and the processor's customer records. */
export interface PaymentMethodStore {
  getPaymentMethod(scope: Scope, id: PaymentMethodId): Promise<PaymentMethod | null>;
  insertPaymentMethod(scope: Scope, method: PaymentMethod): Promise<void>;
  /** The customer's live methods, oldest first. */
  listPaymentMethods(scope: Scope, customerId: CustomerId): Promise<PaymentMethod[]>;
  /** Marks one live method removed; false when it was not live. */
  removePaymentMethod(scope: Scope, id: PaymentMethodId, at: Date): Promise<boolean>;
  /** Marks every live method of the customer removed; returns them. */
  removeAllPaymentMethods(scope: Scope, customerId: CustomerId, at: Date): Promise<PaymentMethod[]>;
  /** A method by the processor's id, in any scope (processor webhooks carry no scope). */
  findPaymentMethodByProcessorId(
    processor: string,
    processorId: string,
  ): Promise<{ scope: Scope; method: PaymentMethod } | null>;
  /** The processor's id for this customer (e.g. a Stripe `cus_…`), once created. */
  getProcessorCustomer(
    scope: Scope,
    customerId: CustomerId,
    processor: string,
  ): Promise<string | null>;
  /** Remembers the processor's customer id; the first one stored wins and is returned. */
  saveProcessorCustomer(
    scope: Scope,
    customerId: CustomerId,
    processor: string,
    externalId: string,
  ): Promise<string>;
}

/** An event's whole key: an id is unique within its scope only. */
export interface EventKey {
  tenantId: string;
  appId: string;
  id: string;
}

/** An outbox row claimed for delivery. */
export interface ClaimedEvent {
  event: LedgerEvent;
  attempts: number;
}

/** The event outbox: written in the change's transaction, delivered after commit. */
export interface OutboxStore {
  /**
   * Appends `event` and, in the same statement's transaction, queues its webhook deliveries (see
   * {@link AppendEventOptions}), so a committed event always has them and a rolled-back one none.
   */
  appendEvent(event: LedgerEvent, options?: AppendEventOptions): Promise<void>;
  /** Events of one scope in order, for exports and tests. */
  listEvents(
    scope: Scope,
    filter: { customerId?: CustomerId; limit: number },
  ): Promise<LedgerEvent[]>;
  /**
   * Claims up to `limit` undelivered events that are due, in one statement, oldest first: each
   * customer's oldest undelivered event, and with it the due events that follow it, leased until
   * `leaseUntil` (`FOR UPDATE SKIP LOCKED` on the oldest, so any number of workers can claim at
   * once and a customer's events are only ever held by one of them).
   */
  claimEvents(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedEvent[]>;
  /** One page of a scope's events for the events API, newest first (by id). */
  listEventsPage(scope: Scope, filter: ListEventsFilter): Promise<PageResult<LedgerEvent>>;
  /** One event of a scope. */
  getEvent(scope: Scope, id: EventId): Promise<LedgerEvent | null>;
  /** Marks a batch of handled events delivered (and unleased), in one statement. */
  markEventsDelivered(keys: readonly EventKey[]): Promise<void>;
  /**
   * Gives back claimed events this worker will not deliver now (those behind a failure of the
   * same customer, or left when it stopped), so they need not wait out their lease.
   */
  releaseEvents(keys: readonly EventKey[]): Promise<void>;
  /** Records a failed attempt; `retryAt: null` gives the event up (dead letter). */
  markEventFailed(scope: Scope, id: string, error: string, retryAt: Date | null): Promise<void>;
  /**
   * Deletes the events of every scope created before `before` whose delivery is over (delivered
   * or given up, with no webhook attempt still pending), never one still owed, and with them
   * their attempts log; returns how many went.
   */
  pruneEvents(before: Date): Promise<number>;
}

/** Everything a service may read or write inside one transaction. */
export interface StoreTx
  extends CustomerStore,
    BalanceStore,
    PaymentMethodStore,
    OutboxStore,
    BillingStore,
    FxStore,
    WebhookStore,
    PortalStore,
    ErasureStore,
    ExportStore {}

/**
 * The store port. `transaction` runs `fn` in one database transaction (reusing an outer one when
 * nested), so a change and its event commit or roll back together.
 */
export interface Store extends StoreTx {
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** How a unit of work may run. */
export interface TransactionOptions {
  /**
   * `fn` writes with one statement at most (atomic by itself; any other are reads), so the store
   * may run it without BEGIN/COMMIT: the row locks it takes then last for that statement only,
   * not for the round trips to COMMIT, which is what bounds writes contended on one row.
   */
  oneStatement?: boolean;
}

/** Time, injected so tests can move it deterministically. */
export interface Clock {
  now(): Date;
}

/** Id generation, injected so tests can predict ids if they need to. */
export interface IdGenerator {
  newId<K extends IdKind>(kind: K): Id<K>;
}

/**
 * What the billing core answers for customer rules. The customer core ships with a port that
 * says "no billing objects"; the billing issue fills it from subscriptions and invoices.
 */
export interface BillingGuards {
  /** True while any subscription is `active`, `trialing`, `past_due` or `paused`. */
  hasActiveSubscriptions(tx: StoreTx, scope: Scope, customerId: CustomerId): Promise<boolean>;
  /** True when the customer has an invoice or a subscription that is not canceled. */
  hasBillingHistory(tx: StoreTx, scope: Scope, customerId: CustomerId): Promise<boolean>;
}

/**
 * Told after a commit that new events are waiting, so delivery starts at once; asked, before an
 * event is written, whether an in-process handler is owed it.
 */
export interface EventNotifier {
  notify(): void;
  /**
   * True when this process has an in-process handler for `type` (or for every type). An event
   * no handler takes is written as delivered, so nothing is left to claim for it.
   */
  handles(type: EventType): boolean;
}

/** Structured facts of a log line (ids, codes, the error), so a log pipeline can index them. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Where the domain reports what it recovers from without failing the caller: a processor that
 * would not detach a removed card, a collection that failed after its commit, a subscription the
 * billing job skipped. The domain never prints; the composition root decides where these lines
 * go (the server writes them to stderr; `silentLogger` drops them).
 */
export interface Logger {
  /** Something went wrong and was tolerated; nothing needs doing unless it keeps happening. */
  warn(message: string, fields?: LogFields): void;
  /** Something failed and was skipped (it will be retried or needs an operator's look). */
  error(message: string, fields?: LogFields): void;
}

/** The ports every service receives, plus the caller's scope. */
export interface ServiceContext {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  events: EventNotifier;
  guards: BillingGuards;
  payments: PaymentsPort;
  tax: TaxPort;
  fx: FxPort;
  taxIdVerifier: TaxIdVerifier;
  logger: Logger;
  webhookSecrets: WebhookSecrets;
  webhookUrls: WebhookUrlPolicy;
  portalLinks: PortalLinks;
  scope: Scope;
}
