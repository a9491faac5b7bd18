import type { Feature, InvoiceFx, InvoiceTax, LineItem, Metadata, Pricing } from '@ledger/domain';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { at, minor, scopeColumns } from './columns.js';

/** Plans; a slug is unique per scope. */
export const plans = pgTable(
  'plans',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    currency: text('currency').notNull(),
    status: text('status').notNull(),
    trialDays: integer('trial_days').notNull(),
    features: jsonb('features').$type<Feature[]>().notNull(),
    pricing: jsonb('pricing').$type<Pricing>().notNull(),
    metadata: jsonb('metadata').$type<Metadata>().notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'plans_pkey', columns: [t.tenantId, t.appId, t.id] }),
    uniqueIndex('plans_slug_key').on(t.tenantId, t.appId, t.slug),
  ],
);

/** Subscriptions; the due index serves the billing job's claims. */
export const subscriptions = pgTable(
  'subscriptions',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    planId: text('plan_id').notNull(),
    status: text('status').notNull(),
    currentPeriodStart: at('current_period_start').notNull(),
    currentPeriodEnd: at('current_period_end').notNull(),
    billingAnchor: at('billing_anchor'),
    trialStart: at('trial_start'),
    trialEnd: at('trial_end'),
    cancelAt: at('cancel_at'),
    canceledAt: at('canceled_at'),
    endedAt: at('ended_at'),
    pausedAt: at('paused_at'),
    metadata: jsonb('metadata').$type<Metadata>().notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'subscriptions_pkey', columns: [t.tenantId, t.appId, t.id] }),
    index('subscriptions_customer_idx').on(t.tenantId, t.appId, t.customerId),
    index('subscriptions_due_idx')
      .on(t.currentPeriodEnd)
      .where(sql`${t.status} IN ('active', 'trialing', 'past_due')`),
  ],
);

/** Usage reports; an idempotency key is stored once per scope. */
export const usageEvents = pgTable(
  'usage_events',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    featureKey: text('feature_key').notNull(),
    quantity: minor('quantity').notNull(),
    timestamp: at('timestamp').notNull(),
    idempotencyKey: text('idempotency_key'),
    createdAt: at('created_at').notNull(),
    /**
     * The running total (`usage_aggregates`) the event was added to, chosen by the domain; null
     * for the event's UTC day. A trigger adds every stored event to its total, so no writer (a
     * hand-written insert, a process still on an older version) can leave the totals behind.
     */
    bucketStart: at('bucket_start'),
  },
  (t) => [
    primaryKey({ name: 'usage_events_pkey', columns: [t.tenantId, t.appId, t.id] }),
    uniqueIndex('usage_events_idempotency_key').on(t.tenantId, t.appId, t.idempotencyKey),
    index('usage_events_feature_idx').on(
      t.tenantId,
      t.appId,
      t.customerId,
      t.featureKey,
      t.timestamp,
    ),
    // The export reads a customer's events in id order, a page at a time.
    index('usage_events_customer_idx').on(t.tenantId, t.appId, t.customerId, t.id),
    check('usage_events_quantity_check', sql`${t.quantity} >= 0`),
    // A total holds events of one UTC day from its start on: what lets a reader trust it.
    check(
      'usage_events_bucket_check',
      sql`${t.bucketStart} is null or (${t.bucketStart} <= ${t.timestamp} and date_trunc('day', ${t.bucketStart} at time zone 'UTC') = date_trunc('day', ${t.timestamp} at time zone 'UTC'))`,
    ),
  ],
);

/**
 * Running totals of usage, so a window's usage is read from a few rows instead of summed over every
 * event: one row per customer, feature and bucket, added to by a trigger in the statement that
 * stores the events. A bucket starts at `bucket_start` and holds events of that UTC day only, the latest at
 * `last_at`, so a reader can tell the rows wholly inside a window from those it must recount from
 * the raw events (see the usage store). The raw events stay the record (exports, erasure).
 */
export const usageAggregates = pgTable(
  'usage_aggregates',
  {
    ...scopeColumns,
    customerId: text('customer_id').notNull(),
    featureKey: text('feature_key').notNull(),
    bucketStart: at('bucket_start').notNull(),
    quantity: minor('quantity').notNull(),
    lastAt: at('last_at').notNull(),
  },
  (t) => [
    primaryKey({
      name: 'usage_aggregates_pkey',
      columns: [t.tenantId, t.appId, t.customerId, t.featureKey, t.bucketStart],
    }),
  ],
);

/** Every entitlement check, kept for the customer's export. */
export const entitlementChecks = pgTable(
  'entitlement_checks',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    featureKey: text('feature_key').notNull(),
    quantity: minor('quantity').notNull(),
    allowed: boolean('allowed').notNull(),
    used: minor('used').notNull(),
    limit: minor('limit').notNull(),
    remaining: minor('remaining').notNull(),
    softLimit: boolean('soft_limit').notNull(),
    reason: text('reason'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'entitlement_checks_pkey', columns: [t.tenantId, t.appId, t.id] }),
    index('entitlement_checks_customer_idx').on(t.tenantId, t.appId, t.customerId, t.id),
  ],
);

/**
 * Invoices with their lines as JSON. One invoice per subscription period (unique), so
 * concurrent billing runs cannot bill a period twice.
 */
export const invoices = pgTable(
  'invoices',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    number: text('number'),
    customerId: text('customer_id').notNull(),
    subscriptionId: text('subscription_id'),
    status: text('status').notNull(),
    currency: text('currency').notNull(),
    lineItems: jsonb('line_items').$type<LineItem[]>().notNull(),
    subtotal: minor('subtotal').notNull(),
    tax: jsonb('tax').$type<InvoiceTax>().notNull(),
    creditApplied: minor('credit_applied').notNull(),
    total: minor('total').notNull(),
    amountDue: minor('amount_due').notNull(),
    amountPaid: minor('amount_paid').notNull(),
    fx: jsonb('fx').$type<InvoiceFx>(),
    periodStart: at('period_start').notNull(),
    periodEnd: at('period_end').notNull(),
    dueDate: at('due_date'),
    paidAt: at('paid_at'),
    voidedAt: at('voided_at'),
    collectionNote: text('collection_note'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at'),
    /** A charge is at the processor since then (void refuses meanwhile); null when none is. */
    chargeInFlightSince: at('charge_in_flight_since'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'invoices_pkey', columns: [t.tenantId, t.appId, t.id] }),
    uniqueIndex('invoices_number_key').on(t.tenantId, t.appId, t.number),
    uniqueIndex('invoices_subscription_period_key')
      .on(t.tenantId, t.appId, t.subscriptionId, t.periodStart)
      .where(sql`${t.subscriptionId} IS NOT NULL AND ${t.status} <> 'void'`),
    index('invoices_customer_idx').on(t.tenantId, t.appId, t.customerId, t.id),
    index('invoices_retry_idx').on(t.nextAttemptAt).where(sql`${t.nextAttemptAt} IS NOT NULL`),
    check('invoices_sums_check', sql`${t.total} - ${t.creditApplied} = ${t.amountDue}`),
  ],
);

/** The gap-free invoice counter of each scope. */
export const invoiceSequences = pgTable(
  'invoice_sequences',
  {
    ...scopeColumns,
    last: bigint('last', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'invoice_sequences_pkey', columns: [t.tenantId, t.appId] })],
);

/** Proration lines waiting for a subscription's next invoice. */
export const pendingLines = pgTable(
  'pending_lines',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    subscriptionId: text('subscription_id').notNull(),
    invoiceId: text('invoice_id'),
    line: jsonb('line').$type<LineItem>().notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'pending_lines_pkey', columns: [t.tenantId, t.appId, t.id] }),
    index('pending_lines_subscription_idx').on(t.tenantId, t.appId, t.subscriptionId),
  ],
);

/** Payment attempts, and the refunds due of those taken for invoices no longer owed. */
export const payments = pgTable(
  'payments',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    invoiceId: text('invoice_id').notNull(),
    customerId: text('customer_id').notNull(),
    amount: minor('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status').notNull(),
    paymentMethodId: text('payment_method_id'),
    processor: text('processor').notNull(),
    processorRef: text('processor_ref'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    /** When the refund of money taken for an invoice no longer owed is (next) due. */
    refundDueAt: at('refund_due_at'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'payments_pkey', columns: [t.tenantId, t.appId, t.id] }),
    index('payments_refund_due_idx').on(t.refundDueAt).where(sql`${t.refundDueAt} IS NOT NULL`),
    index('payments_customer_idx').on(t.tenantId, t.appId, t.customerId, t.id),
    index('payments_invoice_idx').on(t.tenantId, t.appId, t.invoiceId),
    index('payments_processor_ref_idx').on(t.processor, t.processorRef),
    // One processor charge is one payment, however many paths (charge answer, webhook) record it.
    uniqueIndex('payments_processor_ref_key')
      .on(t.tenantId, t.appId, t.processor, t.processorRef)
      .where(sql`${t.processorRef} IS NOT NULL`),
  ],
);
