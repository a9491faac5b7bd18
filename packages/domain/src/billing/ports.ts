import type { Customer } from '../customer/model.js';
import type { FxRatesOverride, FxTable } from '../fx/table.js';
import type { CustomerId } from '../ids.js';
import type { Money } from '../money.js';
import type { CardDetails } from '../payment-method/model.js';
import type { PageResult } from '../schemas/pagination.js';
import type { Scope } from '../scope.js';
import type { TaxAddress, TaxRate } from '../tax/get-rate.js';
import type {
  EntitlementCheck,
  GrantingPlan,
  GrantingSubscription,
  Invoice,
  InvoiceId,
  InvoiceStatus,
  LineItem,
  Payment,
  PaymentId,
  Plan,
  PlanId,
  Subscription,
  SubscriptionId,
  SubscriptionStatus,
  UsageEvent,
} from './model.js';

/** A usage event to store, with the running total it adds to (`usageBucket` chooses it). */
export interface UsageRecord {
  event: UsageEvent;
  bucketStart: Date;
}

/** Plans, subscriptions, usage, invoices and payments, scope-explicit like the customer store. */
export interface BillingStore {
  /** A second plan with the same slug in the scope is `duplicate_plan_slug`. */
  insertPlan(scope: Scope, plan: Plan): Promise<void>;
  getPlan(scope: Scope, id: PlanId): Promise<Plan | null>;
  listPlans(scope: Scope, status: 'active' | 'archived' | 'all'): Promise<Plan[]>;
  updatePlan(scope: Scope, plan: Plan): Promise<void>;

  insertSubscription(scope: Scope, subscription: Subscription): Promise<void>;
  getSubscription(
    scope: Scope,
    id: SubscriptionId,
    options?: { forUpdate?: boolean },
  ): Promise<Subscription | null>;
  updateSubscription(scope: Scope, subscription: Subscription): Promise<void>;
  /**
   * A customer's subscriptions. `forShare` holds them unchanged until the caller's transaction
   * ends: usage ingest uses it so a period cannot close (the billing job locks the row FOR UPDATE)
   * between reading its start and storing the event.
   */
  listCustomerSubscriptions(
    scope: Scope,
    customerId: CustomerId,
    status?: SubscriptionStatus,
    options?: { forShare?: boolean },
  ): Promise<Subscription[]>;
  /**
   * A customer's subscriptions with their plans, in one statement (subscription id order), for
   * what a usage report, usage read or entitlement check must know; a subscription whose plan is
   * gone is left out. `forShare` as for {@link listCustomerSubscriptions} (the plans are not held).
   */
  listSubscriptionPlans(
    scope: Scope,
    customerId: CustomerId,
    options?: { forShare?: boolean },
  ): Promise<Array<{ subscription: Subscription; plan: Plan }>>;
  /**
   * The subscriptions of the customer (deleted or not) and their plans, as
   * {@link listSubscriptionPlans} but only what grants are counted by (a subscription's status and
   * dates, a plan's features and billing period), in one statement that also finds the customer:
   * all a usage read or an entitlement check needs before it sums. With `periodUsageOf`, each subscription
   * also comes with that feature's usage over its current period, as {@link sumUsage} counts it,
   * read in the same statement (an entitlement check is then one read). Null when the scope has
   * no such customer.
   */
  getCustomerPlans(
    scope: Scope,
    customerId: CustomerId,
    options?: { periodUsageOf?: string },
  ): Promise<{
    subscriptions: Array<{
      subscription: GrantingSubscription;
      plan: GrantingPlan;
      periodUsage?: number;
    }>;
  } | null>;
  countSubscriptions(
    scope: Scope,
    customerId: CustomerId,
    statuses: readonly SubscriptionStatus[],
  ): Promise<number>;
  /**
   * Locks up to `limit` subscriptions (any scope) whose period, trial or cancellation is due at
   * `now`, skipping rows another worker holds (`FOR UPDATE SKIP LOCKED`) and the ids in `skip`
   * (ones that failed earlier in the same run). Call inside a transaction.
   */
  claimDueSubscriptions(
    now: Date,
    limit: number,
    skip?: readonly string[],
  ): Promise<Array<{ scope: Scope; subscription: Subscription }>>;

  /**
   * Stores a batch of usage in one statement and adds the stored quantities to the customers'
   * running totals (at each event's `bucketStart`) in the same statement. An event whose
   * idempotency key is already stored in the scope is not stored nor counted again; the ids of the
   * events stored come back. Keys must be unique within the batch (the caller keeps the first).
   */
  insertUsageEvents(scope: Scope, events: readonly UsageRecord[]): Promise<ReadonlySet<string>>;
  /** The id of the event stored under an idempotency key, null when none is. */
  usageEventIdByKey(scope: Scope, idempotencyKey: string): Promise<string | null>;
  /**
   * Sum of metered quantities in [from, to), exactly the raw events' sum, read from the running
   * totals so it costs the same at 10 events as at 1,000,000.
   */
  sumUsage(
    scope: Scope,
    customerId: CustomerId,
    featureKey: string,
    from: Date,
    to: Date,
  ): Promise<number>;
  /** The latest reported count at or before `until` (seat gauges), 0 when none. */
  latestUsage(
    scope: Scope,
    customerId: CustomerId,
    featureKey: string,
    until: Date,
  ): Promise<number>;
  /** Records a check; resolves once it is committed (possibly with concurrent checks' rows). */
  insertEntitlementCheck(scope: Scope, check: EntitlementCheck): Promise<void>;

  /**
   * Inserts an invoice. A second invoice for one subscription period is refused by a unique index
   * and returns false, so concurrent billing runs cannot bill a period twice.
   */
  insertInvoice(scope: Scope, invoice: Invoice): Promise<boolean>;
  getInvoice(
    scope: Scope,
    id: InvoiceId,
    options?: { forUpdate?: boolean },
  ): Promise<Invoice | null>;
  updateInvoice(scope: Scope, invoice: Invoice): Promise<void>;
  listCustomerInvoices(
    scope: Scope,
    customerId: CustomerId,
    filter: {
      status?: InvoiceStatus | undefined;
      limit: number;
      offset: number;
      startingAfter?: string | undefined;
    },
  ): Promise<PageResult<Invoice>>;
  countInvoices(scope: Scope, customerId: CustomerId): Promise<number>;
  /** The next gap-free invoice number of the scope; taken inside the finalizing transaction. */
  nextInvoiceNumber(scope: Scope): Promise<number>;
  /**
   * Claims open or past-due invoices whose next collection attempt is due (any scope): a
   * scheduled retry after a decline, a repeat after a processor outage, or a collection that never
   * ran. Their retry time moves to `leaseUntil` as they are taken (`FOR UPDATE SKIP LOCKED`), so
   * two workers never retry one invoice at once and a crashed attempt is tried again later; the
   * attempt's outcome then sets the next one.
   */
  claimInvoicesToRetry(
    now: Date,
    leaseUntil: Date,
    limit: number,
  ): Promise<Array<{ scope: Scope; invoiceId: InvoiceId }>>;

  /** Proration lines waiting for the subscription's next invoice. */
  insertPendingLine(scope: Scope, subscriptionId: SubscriptionId, line: LineItem): Promise<void>;
  /** The lines waiting for the subscription's next invoice (a read; nothing is taken). */
  listPendingLines(scope: Scope, subscriptionId: SubscriptionId): Promise<LineItem[]>;
  /** Takes the waiting lines into `invoiceId` (they are then no longer pending). */
  takePendingLines(
    scope: Scope,
    subscriptionId: SubscriptionId,
    invoiceId: InvoiceId,
  ): Promise<LineItem[]>;
  /** Gives the lines of a voided draft back to the subscription. */
  releasePendingLines(scope: Scope, invoiceId: InvoiceId): Promise<void>;

  /**
   * Records a payment; false when the processor's reference is already recorded (one charge is
   * one payment, whether its answer or its webhook records it first).
   */
  insertPayment(scope: Scope, payment: Payment): Promise<boolean>;
  updatePayment(scope: Scope, payment: Payment): Promise<void>;
  /**
   * Sets when the refund of a payment taken for an invoice no longer owed is (next) due, or null
   * once it is refunded. Kept with the payment, so a refund the processor failed is not lost: the
   * billing job claims it again (`claimRefundsDue`).
   */
  scheduleRefund(scope: Scope, paymentId: PaymentId, at: Date | null): Promise<void>;
  /**
   * Claims up to `limit` succeeded payments whose refund is due at `now` (any scope), moving it to
   * `leaseUntil` as they are taken (`FOR UPDATE SKIP LOCKED`), so two workers never refund one
   * payment at once and a crashed refund is tried again later.
   */
  claimRefundsDue(
    now: Date,
    leaseUntil: Date,
    limit: number,
  ): Promise<Array<{ scope: Scope; payment: Payment }>>;
  /** A payment by the processor's reference (e.g. a PaymentIntent id), in any scope. */
  findPaymentByProcessorRef(
    processor: string,
    ref: string,
  ): Promise<{ scope: Scope; payment: Payment } | null>;
  /** Records a processor event as applied; false when it was applied before. */
  markProcessorEvent(
    scope: Scope,
    processor: string,
    eventId: string,
    type: string,
  ): Promise<boolean>;
  listPayments(
    scope: Scope,
    filter: {
      customerId?: CustomerId | undefined;
      invoiceId?: InvoiceId | undefined;
      limit: number;
      offset: number;
    },
  ): Promise<PageResult<Payment>>;
}

/** What a charge attempt returned. */
export type ChargeOutcome =
  | { status: 'succeeded'; processor: string; processorRef: string }
  | {
      status: 'failed';
      processor: string;
      processorRef: string | null;
      code: string;
      message: string;
    };

/**
 * A payment processor: turns tokens into attached payment methods and charges them off session.
 * Implemented by Stripe (through its SDK) and by the built-in test processor. Card declines are
 * `LedgerError`s with the processor's code (402); outages and timeouts are `provider_error` (502)
 * and `provider_timeout` (504).
 */
export interface PaymentsPort {
  /** The processor's name, or null when none is configured (invoices then stay open). */
  readonly processor: string | null;
  /** Creates the processor's customer for a Ledger customer (once; then it is remembered). */
  createCustomer(request: { scope: Scope; customer: Customer }): Promise<string>;
  attachPaymentMethod(request: {
    scope: Scope;
    processorCustomerId: string;
    token: string;
  }): Promise<{ processorId: string; card: CardDetails }>;
  detachPaymentMethod(request: { scope: Scope; processorId: string }): Promise<void>;
  /**
   * Deletes the processor's customer (and with it the cards and details it holds there), for an
   * erased customer; one the processor no longer knows counts as deleted.
   */
  deleteCustomer(request: { scope: Scope; processorCustomerId: string }): Promise<void>;
  charge(request: {
    scope: Scope;
    customer: Customer;
    processorCustomerId: string | null;
    paymentMethodProcessorId: string;
    /** Ledger's id of the method, recorded with the charge so a webhook can name it. */
    paymentMethodId: string;
    amount: Money;
    invoiceId: InvoiceId;
    /** Unique per invoice attempt, so a retried request never charges twice. */
    idempotencyKey: string;
  }): Promise<ChargeOutcome>;
  /**
   * Gives a charge back in full: money taken for an invoice that is no longer owed (a charge that
   * landed after its invoice was voided, or a second one for a paid invoice). `idempotencyKey` is
   * unique per payment, so a retried refund never refunds twice; a charge the processor has
   * refunded already counts as done. Outages are `provider_error`/`provider_timeout`.
   */
  refund(request: {
    scope: Scope;
    /** The charge's reference at the processor (the payment's `processorRef`). */
    processorRef: string;
    invoiceId: InvoiceId;
    idempotencyKey: string;
  }): Promise<void>;
  /**
   * Starts collecting a card in the customer's browser (a Stripe SetupIntent): the card goes from
   * the browser to the processor, never through Ledger. Absent on processors that take tokens
   * only (the built-in test processor).
   */
  createSetupIntent?(request: {
    scope: Scope;
    processorCustomerId: string;
    customerId: CustomerId;
  }): Promise<{ id: string; clientSecret: string }>;
  /** A SetupIntent as the processor holds it, read server-side (the browser's word is not taken). */
  retrieveSetupIntent?(request: { scope: Scope; id: string }): Promise<SetupIntentState>;
}

/** What the processor says about a SetupIntent. */
export interface SetupIntentState {
  id: string;
  /** The processor's status; only `succeeded` means a card was collected. */
  status: string;
  /** The processor customer it was created for. */
  processorCustomerId: string | null;
  /** The collected payment method (`pm_…`), once there is one. */
  paymentMethod: string | null;
}

/** Tax for an invoice (DOMAIN.md "Tax"), from the deployment's rate table. */
export interface TaxPort {
  /** The rate of an address's jurisdiction; an unknown place is rate 0, `unknown`, never an error. */
  rate(address: TaxAddress): TaxRate;
  calculate(request: { scope: Scope; subtotal: Money; customer: Customer }): Promise<{
    amount: Money;
    rate: string;
    jurisdiction: string;
    exempt: boolean;
    reason: string;
  }>;
}

/**
 * Currency conversion at invoice time (DOMAIN.md "Multi-currency"): the deployment's reference
 * table with the tenant's overrides (read by the caller in its own transaction) laid over it.
 */
export interface FxPort {
  /** The rate table in force for a tenant with these overrides. */
  table(overrides: FxRatesOverride | null): FxTable;
}

/** A tenant's own FX rates, kept per scope. */
export interface FxStore {
  getFxOverrides(scope: Scope): Promise<FxRatesOverride | null>;
  /** Replaces the scope's overrides (null removes them). */
  saveFxOverrides(scope: Scope, overrides: FxRatesOverride | null, at: Date): Promise<void>;
}
