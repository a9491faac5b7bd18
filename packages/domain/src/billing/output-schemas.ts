import { z } from 'zod';
import {
  CurrencyCodeSchema,
  MetadataOutputSchema,
  MoneySchema,
  outputId,
  TimestampSchema,
} from '../schemas/output-schemas.js';
import {
  BILLING_PERIODS,
  FEATURE_PERIODS,
  FEATURE_TYPES,
  INVOICE_STATUSES,
  PAYMENT_STATUSES,
  PLAN_STATUSES,
  SUBSCRIPTION_STATUSES,
  TIER_TYPES,
} from './model.js';

/** What the plan verbs return (the `Plan` model). */
export const PlanSchema = z.object({
  id: outputId('plan'),
  name: z.string(),
  slug: z.string(),
  currency: CurrencyCodeSchema,
  status: z.enum(PLAN_STATUSES),
  trialDays: z.number().int(),
  features: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      type: z.enum(FEATURE_TYPES),
      limit: z.number().int(),
      period: z.enum(FEATURE_PERIODS),
      softLimit: z.boolean(),
    }),
  ),
  pricing: z.object({
    baseAmount: z.number().int(),
    billingPeriod: z.enum(BILLING_PERIODS),
    tiers: z.array(
      z.object({
        featureKey: z.string(),
        type: z.enum(TIER_TYPES),
        upTo: z.number().int(),
        unitAmount: z.number().int(),
        flatAmount: z.number().int(),
      }),
    ),
  }),
  metadata: MetadataOutputSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});

/** What the subscription verbs return (the `Subscription` model). */
export const SubscriptionSchema = z.object({
  id: outputId('subscription'),
  customerId: outputId('customer'),
  planId: outputId('plan'),
  status: z.enum(SUBSCRIPTION_STATUSES),
  currentPeriodStart: TimestampSchema,
  currentPeriodEnd: TimestampSchema,
  billingAnchor: TimestampSchema,
  trialStart: TimestampSchema.nullable(),
  trialEnd: TimestampSchema.nullable(),
  cancelAt: TimestampSchema.nullable(),
  canceledAt: TimestampSchema.nullable(),
  endedAt: TimestampSchema.nullable(),
  pausedAt: TimestampSchema.nullable(),
  metadata: MetadataOutputSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});

/** What the invoice verbs return (the `Invoice` model); its sums always add up. */
export const InvoiceSchema = z.object({
  id: outputId('invoice'),
  number: z.string().nullable(),
  customerId: outputId('customer'),
  subscriptionId: outputId('subscription').nullable(),
  status: z.enum(INVOICE_STATUSES),
  currency: CurrencyCodeSchema,
  lineItems: z.array(
    z.object({
      id: outputId('lineItem'),
      kind: z.enum(['base', 'usage', 'proration']),
      description: z.string(),
      featureKey: z.string().nullable(),
      quantity: z.number().int(),
      amount: MoneySchema,
      periodStart: TimestampSchema,
      periodEnd: TimestampSchema,
    }),
  ),
  subtotal: MoneySchema,
  tax: z.object({
    amount: MoneySchema,
    rate: z.string(),
    jurisdiction: z.string(),
    exempt: z.boolean(),
    reason: z.string(),
  }),
  creditApplied: MoneySchema,
  total: MoneySchema,
  amountDue: MoneySchema,
  amountPaid: MoneySchema,
  fx: z
    .object({ from: CurrencyCodeSchema, rate: z.string(), source: z.string(), asOf: z.string() })
    .nullable(),
  periodStart: TimestampSchema,
  periodEnd: TimestampSchema,
  dueDate: TimestampSchema.nullable(),
  paidAt: TimestampSchema.nullable(),
  voidedAt: TimestampSchema.nullable(),
  collectionNote: z.string().nullable(),
  attemptCount: z.number().int(),
  nextPaymentAttempt: TimestampSchema.nullable(),
  chargeInFlightSince: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});

/** One attempt to collect an invoice (the `Payment` model). */
export const PaymentSchema = z.object({
  id: outputId('payment'),
  invoiceId: outputId('invoice'),
  customerId: outputId('customer'),
  amount: MoneySchema,
  status: z.enum(PAYMENT_STATUSES),
  paymentMethodId: z.string().nullable(),
  processor: z.string(),
  processorRef: z.string().nullable(),
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
  createdAt: TimestampSchema,
});

/** The usage of one feature over the current period (the `FeatureUsage` model). */
export const FeatureUsageSchema = z.object({
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  softLimit: z.boolean(),
});

/** What `getCustomerUsage` returns: each metered or seat feature's use this period. */
export const CustomerUsageSchema = z.object({
  customerId: z.string(),
  periodStart: TimestampSchema.nullable(),
  periodEnd: TimestampSchema.nullable(),
  usage: z.record(z.string(), FeatureUsageSchema),
});

/** What `recordUsage` returns: the event's id, and whether its idempotency key was seen before. */
export const RecordedUsageSchema = z.object({ id: z.string(), duplicate: z.boolean() });

/**
 * One stored usage event (the `UsageEvent` model), as a customer's export lists it: the API's
 * write answers name only the id (`RecordedUsage`), the export carries the whole record.
 */
export const UsageEventSchema = z.object({
  id: outputId('usageEvent'),
  customerId: outputId('customer'),
  featureKey: z.string(),
  quantity: z.number().int(),
  timestamp: TimestampSchema,
  idempotencyKey: z.string().nullable(),
  createdAt: TimestampSchema,
});

/** What `recordUsageBatch` returns: how many events were stored and how many were repeats. */
export const RecordedUsageBatchSchema = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
});

/** What `checkEntitlement` returns: the recorded check and the feature it was about. */
export const EntitlementCheckSchema = z.object({
  id: outputId('entitlementCheck'),
  customerId: outputId('customer'),
  featureKey: z.string(),
  feature: z.string(),
  quantity: z.number().int(),
  allowed: z.boolean(),
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  softLimit: z.boolean(),
  reason: z.string().nullable(),
  createdAt: TimestampSchema,
});
