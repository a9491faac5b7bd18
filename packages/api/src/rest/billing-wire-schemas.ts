import {
  BILLING_PERIODS,
  FEATURE_PERIODS,
  FEATURE_TYPES,
  INVOICE_STATUSES,
  PAYMENT_STATUSES,
  PLAN_STATUSES,
  SUBSCRIPTION_STATUSES,
  TIER_TYPES,
} from '@ledger/domain';
import { z } from 'zod';
import { MoneyObject } from './wire-schemas.js';

/** The REST billing objects (snake_case), documented in OpenAPI and checked against responses. */
const timestamp = z.iso.datetime();
const metadata = z.record(z.string(), z.unknown());

export const PlanObject = z.strictObject({
  id: z.string().startsWith('plan_'),
  name: z.string(),
  slug: z.string(),
  currency: z.string().length(3),
  status: z.enum(PLAN_STATUSES),
  trial_days: z.number().int(),
  features: z.array(
    z.strictObject({
      key: z.string(),
      name: z.string(),
      type: z.enum(FEATURE_TYPES),
      limit: z.number().int(),
      period: z.enum(FEATURE_PERIODS),
      soft_limit: z.boolean(),
    }),
  ),
  pricing: z.strictObject({
    base_amount: z.number().int(),
    billing_period: z.enum(BILLING_PERIODS),
    tiers: z.array(
      z.strictObject({
        feature_key: z.string(),
        type: z.enum(TIER_TYPES),
        up_to: z.number().int(),
        unit_amount: z.number().int(),
        flat_amount: z.number().int(),
      }),
    ),
  }),
  metadata,
  created_at: timestamp,
  updated_at: timestamp,
});

export const SubscriptionObject = z.strictObject({
  id: z.string().startsWith('sub_'),
  customer_id: z.string(),
  plan_id: z.string(),
  status: z.enum(SUBSCRIPTION_STATUSES),
  current_period_start: timestamp,
  current_period_end: timestamp,
  billing_anchor: timestamp,
  trial_start: timestamp.nullable(),
  trial_end: timestamp.nullable(),
  cancel_at: timestamp.nullable(),
  canceled_at: timestamp.nullable(),
  ended_at: timestamp.nullable(),
  paused_at: timestamp.nullable(),
  metadata,
  created_at: timestamp,
  updated_at: timestamp,
});

export const InvoiceObject = z.strictObject({
  id: z.string().startsWith('inv_'),
  number: z.string().nullable(),
  customer_id: z.string(),
  subscription_id: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES),
  currency: z.string().length(3),
  line_items: z.array(
    z.strictObject({
      id: z.string().startsWith('li_'),
      kind: z.enum(['base', 'usage', 'proration']),
      description: z.string(),
      feature_key: z.string().nullable(),
      quantity: z.number().int(),
      amount: MoneyObject,
      period_start: timestamp,
      period_end: timestamp,
    }),
  ),
  subtotal: MoneyObject,
  tax: z.strictObject({
    amount: MoneyObject,
    rate: z.string(),
    jurisdiction: z.string(),
    exempt: z.boolean(),
    reason: z.string(),
  }),
  credit_applied: MoneyObject,
  total: MoneyObject,
  amount_due: MoneyObject,
  amount_paid: MoneyObject,
  fx: z
    .strictObject({ from: z.string(), rate: z.string(), source: z.string(), as_of: z.string() })
    .nullable(),
  period_start: timestamp,
  period_end: timestamp,
  due_date: timestamp.nullable(),
  paid_at: timestamp.nullable(),
  voided_at: timestamp.nullable(),
  collection_note: z.string().nullable(),
  attempt_count: z.number().int(),
  next_payment_attempt: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const PaymentObject = z.strictObject({
  id: z.string().startsWith('pay_'),
  invoice_id: z.string(),
  customer_id: z.string(),
  amount: MoneyObject,
  status: z.enum(PAYMENT_STATUSES),
  payment_method_id: z.string().nullable(),
  processor: z.string(),
  processor_ref: z.string().nullable(),
  failure_code: z.string().nullable(),
  failure_message: z.string().nullable(),
  created_at: timestamp,
});

export const PaymentMethodObject = z.strictObject({
  id: z.string().startsWith('pm_'),
  customer_id: z.string(),
  processor: z.string(),
  type: z.literal('card'),
  card: z.strictObject({
    brand: z.string(),
    last4: z.string().length(4),
    exp_month: z.number().int(),
    exp_year: z.number().int(),
    country: z.string().nullable(),
  }),
  created_at: timestamp,
  removed_at: timestamp.nullable(),
});

export const UsageObject = z.strictObject({
  customer_id: z.string(),
  period_start: timestamp.nullable(),
  period_end: timestamp.nullable(),
  usage: z.record(
    z.string(),
    z.strictObject({
      used: z.number().int(),
      limit: z.number().int(),
      remaining: z.number().int(),
      soft_limit: z.boolean(),
    }),
  ),
});

export const EntitlementObject = z.strictObject({
  allowed: z.boolean(),
  feature: z.string(),
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  soft_limit: z.boolean(),
  reason: z.string().optional(),
});

/** `{data: [...]}` lists without pagination (a customer's subscriptions, plans, methods). */
export function dataObject<T extends z.ZodType>(item: T) {
  return z.strictObject({ data: z.array(item) });
}

export const TaxRateObject = z.strictObject({
  rate: z.string(),
  jurisdiction: z.string(),
  components: z.array(
    z.strictObject({ name: z.string(), rate: z.string(), jurisdiction: z.string() }),
  ),
});

export const FxRatesObject = z.strictObject({
  base: z.string().length(3),
  rates: z.record(z.string(), z.string()),
  source: z.string(),
  as_of: z.string(),
  overrides: z
    .strictObject({
      base: z.string(),
      rates: z.record(z.string(), z.string()),
      source: z.string().optional(),
      as_of: z.string().optional(),
    })
    .nullable(),
});
