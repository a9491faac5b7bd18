import type { CustomerId, Id } from '../ids.js';
import type { Money } from '../money.js';
import type { Metadata } from '../schemas/metadata.js';

/** A plan's id (`plan_…`): typed, so a subscription id cannot be passed where a plan's is due. */
export type PlanId = Id<'plan'>;
/** A subscription's id (`sub_…`). */
export type SubscriptionId = Id<'subscription'>;
/** An invoice's id (`inv_…`). */
export type InvoiceId = Id<'invoice'>;
/** A payment attempt's id (`pay_…`). */
export type PaymentId = Id<'payment'>;

/** How a feature is measured: counted per period, on/off, or a gauge of seats. */
export const FEATURE_TYPES = ['metered', 'boolean', 'seat'] as const;
/** When a metered feature's allowance resets (`none`: never, a lifetime allowance). */
export const FEATURE_PERIODS = ['monthly', 'yearly', 'none'] as const;
/** How often a plan bills; periods end on the subscription's billing anchor. */
export const BILLING_PERIODS = ['monthly', 'yearly'] as const;
/** How tiers price a quantity: each unit at its tier, all units at one tier, or a fixed fee. */
export const TIER_TYPES = ['graduated', 'volume', 'flat'] as const;
/** `archived` plans keep their subscriptions but cannot be subscribed to again. */
export const PLAN_STATUSES = ['active', 'archived'] as const;

/** A capability a plan grants: metered (counted), boolean (on/off) or seat (a gauge). */
export interface Feature {
  key: string;
  name: string;
  type: (typeof FEATURE_TYPES)[number];
  /** The included quantity per period; -1 is unlimited. */
  limit: number;
  period: (typeof FEATURE_PERIODS)[number];
  /** A soft limit lets use go past `limit` (billed as overage) instead of refusing it. */
  softLimit: boolean;
}

/**
 * One tier of a metered feature's price. `upTo` is the tier's last unit (-1 = ∞); amounts are
 * minor units of the plan's currency.
 */
export interface Tier {
  featureKey: string;
  type: (typeof TIER_TYPES)[number];
  upTo: number;
  unitAmount: number;
  flatAmount: number;
}

/** A plan's price: a base amount per billing period plus tiers for metered features. */
export interface Pricing {
  baseAmount: number;
  billingPeriod: (typeof BILLING_PERIODS)[number];
  tiers: Tier[];
}

/** What customers subscribe to. Archived plans keep their subscriptions but take no new ones. */
export interface Plan {
  id: PlanId;
  name: string;
  slug: string;
  currency: string;
  status: (typeof PLAN_STATUSES)[number];
  trialDays: number;
  features: Feature[];
  pricing: Pricing;
  metadata: Metadata;
  createdAt: Date;
  updatedAt: Date;
}

/** A subscription's lifecycle; `canceled` and `expired` are final. */
export const SUBSCRIPTION_STATUSES = [
  'active',
  'trialing',
  'past_due',
  'canceled',
  'expired',
  'paused',
] as const;
/** One of {@link SUBSCRIPTION_STATUSES}. */
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
/** Statuses that block deleting the customer (DOMAIN.md "Deletion"). */
export const LIVE_SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = [
  'active',
  'trialing',
  'past_due',
  'paused',
];

/** A customer's subscription to a plan, with its current billing period. */
export interface Subscription {
  id: SubscriptionId;
  customerId: CustomerId;
  planId: PlanId;
  status: SubscriptionStatus;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  /** Periods end at `billingAnchor + n periods` (the first paid period's start). */
  billingAnchor: Date;
  trialStart: Date | null;
  trialEnd: Date | null;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  pausedAt: Date | null;
  metadata: Metadata;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What of a subscription its grants are counted by: whose it is, whether it entitles, and the
 * dates windows are measured from. A whole {@link Subscription} is one; the read behind an
 * entitlement check brings only these.
 */
export type GrantingSubscription = Pick<
  Subscription,
  'id' | 'customerId' | 'status' | 'createdAt' | 'currentPeriodStart' | 'currentPeriodEnd'
>;

/** What of a plan its grants are counted by: its features and the period it bills over. */
export type GrantingPlan = Pick<Plan, 'features'> & { pricing: Pick<Pricing, 'billingPeriod'> };

/** An invoice's lifecycle: `draft` until finalised, then `open` until `paid` or `void`. */
export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'past_due', 'void'] as const;
/** One of {@link INVOICE_STATUSES}. */
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** One line of an invoice, in the invoice's currency. */
export interface LineItem {
  id: Id<'lineItem'>;
  kind: 'base' | 'usage' | 'proration';
  description: string;
  featureKey: string | null;
  quantity: number;
  amount: Money;
  periodStart: Date;
  periodEnd: Date;
}

/** The tax an invoice carries and why (DOMAIN.md "Tax"). */
export interface InvoiceTax {
  amount: Money;
  rate: string;
  jurisdiction: string;
  exempt: boolean;
  reason: string;
}

/** The conversion an invoice was priced with, when the plan's currency is not the customer's. */
export interface InvoiceFx {
  from: string;
  rate: string;
  source: string;
  asOf: string;
}

/**
 * An invoice. Sums always add up: lines = subtotal; total = subtotal + tax;
 * amountDue = total − creditApplied (creditApplied is negative when a debt was added).
 */
export interface Invoice {
  id: InvoiceId;
  number: string | null;
  customerId: CustomerId;
  subscriptionId: SubscriptionId | null;
  status: InvoiceStatus;
  currency: string;
  lineItems: LineItem[];
  subtotal: Money;
  tax: InvoiceTax;
  creditApplied: Money;
  total: Money;
  amountDue: Money;
  amountPaid: Money;
  fx: InvoiceFx | null;
  periodStart: Date;
  periodEnd: Date;
  dueDate: Date | null;
  paidAt: Date | null;
  voidedAt: Date | null;
  /** Why an open invoice is not paid yet (`no_payment_method`, a decline code …). */
  collectionNote: string | null;
  /** Charge attempts made so far. */
  attemptCount: number;
  /** When the billing job retries a past-due invoice; null when no retry is scheduled. */
  nextPaymentAttempt: Date | null;
  /**
   * When the charge now at the processor started (committed before the processor is called), so
   * that void can see it and refuse rather than leave a charge landing on a void invoice; null
   * once the attempt's outcome is recorded. Older than `CHARGE_LEASE_MS`, it no longer blocks.
   */
  chargeInFlightSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What became of one collection attempt. */
export const PAYMENT_STATUSES = ['succeeded', 'failed', 'pending', 'refunded'] as const;

/** One attempt to collect an invoice. */
export interface Payment {
  id: PaymentId;
  invoiceId: InvoiceId;
  customerId: CustomerId;
  amount: Money;
  status: (typeof PAYMENT_STATUSES)[number];
  paymentMethodId: string | null;
  processor: string;
  processorRef: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: Date;
}

/** A reported quantity of a feature (metered: added up; seat: the latest count wins). */
export interface UsageEvent {
  id: Id<'usageEvent'>;
  customerId: CustomerId;
  featureKey: string;
  quantity: number;
  timestamp: Date;
  idempotencyKey: string | null;
  createdAt: Date;
}

/** The usage of one feature over the current period. */
export interface FeatureUsage {
  used: number;
  limit: number;
  remaining: number;
  softLimit: boolean;
}

/** The answer to "may this customer use N more of this feature?", recorded every time. */
export interface EntitlementCheck {
  id: Id<'entitlementCheck'>;
  customerId: CustomerId;
  featureKey: string;
  quantity: number;
  allowed: boolean;
  used: number;
  limit: number;
  remaining: number;
  softLimit: boolean;
  reason: string | null;
  createdAt: Date;
}
