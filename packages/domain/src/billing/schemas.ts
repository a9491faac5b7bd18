import { z } from 'zod';
import { idSchema } from '../ids.js';
import { currencySchema, MAX_INPUT_AMOUNT } from '../money.js';
import { MetadataSchema } from '../schemas/metadata.js';
import {
  limitSchema,
  offsetSchema,
  oneStyleOfPaging,
  pageSchema,
  timestampSchema,
} from '../schemas/pagination.js';
import {
  BILLING_PERIODS,
  FEATURE_PERIODS,
  FEATURE_TYPES,
  INVOICE_STATUSES,
  PLAN_STATUSES,
  SUBSCRIPTION_STATUSES,
  TIER_TYPES,
} from './model.js';

const minor = z.number().int().min(0).max(MAX_INPUT_AMOUNT);
const featureKey = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be 1–64 of a-z, 0-9, "_", "." or "-"');
const limit = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);

const FeatureSchema = z.strictObject({
  key: featureKey,
  name: z.string().trim().min(1).max(256),
  type: z.enum(FEATURE_TYPES),
  limit: limit.default(-1),
  period: z.enum(FEATURE_PERIODS).default('monthly'),
  softLimit: z.boolean().default(false),
});

const TierSchema = z.strictObject({
  featureKey,
  type: z.enum(TIER_TYPES),
  upTo: limit.refine((n) => n !== 0, 'must be positive, or -1 for the last, open tier'),
  unitAmount: minor.default(0),
  flatAmount: minor.default(0),
});

const PricingSchema = z.strictObject({
  baseAmount: minor,
  billingPeriod: z.enum(BILLING_PERIODS),
  tiers: z.array(TierSchema).max(100).default([]),
});

type PlanShape = {
  features: Array<z.output<typeof FeatureSchema>>;
  pricing: z.output<typeof PricingSchema>;
};

/** Cross-field rules: unique feature keys; tiers only for metered features, well ordered. */
function checkPlan(plan: PlanShape, ctx: z.RefinementCtx) {
  const features = new Map(plan.features.map((f) => [f.key, f]));
  if (features.size !== plan.features.length) {
    ctx.addIssue({ code: 'custom', path: ['features'], message: 'feature keys must be unique' });
  }
  const byFeature = new Map<string, Array<{ tier: z.output<typeof TierSchema>; index: number }>>();
  plan.pricing.tiers.forEach((tier, index) => {
    const feature = features.get(tier.featureKey);
    if (!feature || feature.type === 'boolean') {
      ctx.addIssue({
        code: 'custom',
        path: ['pricing', 'tiers', index, 'featureKey'],
        message: 'must name a metered or seat feature of this plan',
      });
    }
    byFeature.set(tier.featureKey, [...(byFeature.get(tier.featureKey) ?? []), { tier, index }]);
  });
  for (const tiers of byFeature.values()) {
    const first = tiers[0];
    tiers.forEach(({ tier, index }, i) => {
      const last = i === tiers.length - 1;
      const path = ['pricing', 'tiers', index];
      if (first && tier.type !== first.tier.type) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'type'],
          message: "a feature's tiers must share one type",
        });
      }
      if (last !== (tier.upTo === -1)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'upTo'],
          message: 'only the last tier is open (-1), and it must be',
        });
      }
      const previous = tiers[i - 1];
      if (previous && tier.upTo !== -1 && tier.upTo <= previous.tier.upTo) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'upTo'],
          message: 'tiers must be in increasing order of upTo',
        });
      }
    });
  }
}

const slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1–64 of a-z, 0-9 and "-"');

/** Input of `createPlan`. */
export const CreatePlanInput = z
  .strictObject({
    name: z.string().trim().min(1).max(256),
    slug,
    currency: currencySchema,
    trialDays: z.number().int().min(0).max(730).default(0),
    features: z.array(FeatureSchema).max(100).default([]),
    pricing: PricingSchema,
    metadata: MetadataSchema.optional(),
  })
  .superRefine(checkPlan);
/** `CreatePlanInput` as a caller writes it: parsing fills in defaults and normalises. */
export type CreatePlanInput = z.input<typeof CreatePlanInput>;

/** Input of `updatePlan`: name, trial days, metadata and status; prices are fixed once sold. */
export const UpdatePlanInput = z.strictObject({
  id: idSchema('plan'),
  name: z.string().trim().min(1).max(256).optional(),
  trialDays: z.number().int().min(0).max(730).optional(),
  status: z.enum(PLAN_STATUSES).optional(),
  metadata: MetadataSchema.optional(),
});
/** `UpdatePlanInput` as a caller writes it: parsing fills in defaults and normalises. */
export type UpdatePlanInput = z.input<typeof UpdatePlanInput>;

/** Input of `getPlan`. */
export const GetPlanInput = z.strictObject({ id: idSchema('plan') });
/** `GetPlanInput` as a caller writes it: parsing fills in defaults and normalises. */
export type GetPlanInput = z.input<typeof GetPlanInput>;

/** Input of `listPlans`: active plans unless `archived` or `all` is asked for. */
export const ListPlansInput = z.strictObject({
  status: z.enum([...PLAN_STATUSES, 'all']).default('active'),
});
/** `ListPlansInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ListPlansInput = z.input<typeof ListPlansInput>;

/** Input of `createSubscription`: trial days from the body, else from the plan. */
export const CreateSubscriptionInput = z.strictObject({
  customerId: idSchema('customer'),
  planId: idSchema('plan'),
  trialDays: z.number().int().min(0).max(730).optional(),
  metadata: MetadataSchema.optional(),
});
/** `CreateSubscriptionInput` as a caller writes it: parsing fills in defaults and normalises. */
export type CreateSubscriptionInput = z.input<typeof CreateSubscriptionInput>;

/** Input of the verbs that act on one subscription (`getSubscription`, `pauseSubscription`, …). */
export const SubscriptionIdInput = z.strictObject({ id: idSchema('subscription') });
/** `SubscriptionIdInput` as a caller writes it: parsing fills in defaults and normalises. */
export type SubscriptionIdInput = z.input<typeof SubscriptionIdInput>;

/** Input of `cancelSubscription`: at the period's end unless `immediately`. */
export const CancelSubscriptionInput = z.strictObject({
  id: idSchema('subscription'),
  immediately: z.boolean().default(false),
  /** Why the customer leaves, in their words: kept in the metadata as `cancellation_reason`. */
  reason: z.string().trim().min(1).max(480).optional(),
});
/** `CancelSubscriptionInput` as a caller writes it: parsing fills in defaults and normalises. */
export type CancelSubscriptionInput = z.input<typeof CancelSubscriptionInput>;

/** Input of `changePlan`: prorated unless `prorate` is false. */
export const ChangePlanInput = z.strictObject({
  id: idSchema('subscription'),
  planId: idSchema('plan'),
  prorate: z.boolean().default(true),
});
/** `ChangePlanInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ChangePlanInput = z.input<typeof ChangePlanInput>;

/** Input of `listCustomerSubscriptions`, optionally of one status. */
export const ListCustomerSubscriptionsInput = z.strictObject({
  customerId: idSchema('customer'),
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
});
/** `ListCustomerSubscriptionsInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ListCustomerSubscriptionsInput = z.input<typeof ListCustomerSubscriptionsInput>;

/** One usage report. */
export const UsageEventInput = z.strictObject({
  customerId: idSchema('customer'),
  featureKey,
  quantity: z.number().int().min(0).max(MAX_INPUT_AMOUNT),
  timestamp: timestampSchema.optional(),
  idempotencyKey: z.string().min(1).max(255).optional(),
});
/** `UsageEventInput` as a caller writes it: parsing fills in defaults and normalises. */
export type UsageEventInput = z.input<typeof UsageEventInput>;

/** Input of `recordUsageBatch`: 1–1000 usage reports, recorded together. */
export const RecordUsageBatchInput = z.strictObject({
  events: z.array(UsageEventInput).min(1).max(1000),
});
/** `RecordUsageBatchInput` as a caller writes it: parsing fills in defaults and normalises. */
export type RecordUsageBatchInput = z.input<typeof RecordUsageBatchInput>;

/** Input of the verbs that act on one customer by `customerId` (`getCustomerUsage`, `verifyTaxIds`). */
export const CustomerIdInput = z.strictObject({ customerId: idSchema('customer') });
/** `CustomerIdInput` as a caller writes it: parsing fills in defaults and normalises. */
export type CustomerIdInput = z.input<typeof CustomerIdInput>;

/** Input of `checkEntitlement`: may the customer use `quantity` (default 1) more of a feature? */
export const CheckEntitlementInput = z.strictObject({
  customerId: idSchema('customer'),
  featureKey,
  quantity: z.number().int().min(1).max(MAX_INPUT_AMOUNT).default(1),
});
/** `CheckEntitlementInput` as a caller writes it: parsing fills in defaults and normalises. */
export type CheckEntitlementInput = z.input<typeof CheckEntitlementInput>;

/** Input of `createInvoice`: the subscription whose current usage is invoiced now. */
export const CreateInvoiceInput = z.strictObject({ subscriptionId: idSchema('subscription') });
/** `CreateInvoiceInput` as a caller writes it: parsing fills in defaults and normalises. */
export type CreateInvoiceInput = z.input<typeof CreateInvoiceInput>;

/** Input of the verbs that act on one invoice (`getInvoice`, `finalizeInvoice`, `payInvoice`). */
export const InvoiceIdInput = z.strictObject({ id: idSchema('invoice') });
/** `InvoiceIdInput` as a caller writes it: parsing fills in defaults and normalises. */
export type InvoiceIdInput = z.input<typeof InvoiceIdInput>;

/** Input of `voidInvoice`, with an optional reason kept on the invoice. */
export const VoidInvoiceInput = z.strictObject({
  id: idSchema('invoice'),
  reason: z.string().trim().max(500).optional(),
});
/** `VoidInvoiceInput` as a caller writes it: parsing fills in defaults and normalises. */
export type VoidInvoiceInput = z.input<typeof VoidInvoiceInput>;

/** Input of `listCustomerInvoices`: one page, by offset or after an invoice id. */
export const ListCustomerInvoicesInput = z
  .strictObject({
    customerId: idSchema('customer'),
    status: z.enum(INVOICE_STATUSES).optional(),
    ...pageSchema(idSchema('invoice')),
  })
  .refine(oneStyleOfPaging, {
    message: 'give either offset or starting_after, not both',
    path: ['startingAfter'],
  });
/** `ListCustomerInvoicesInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ListCustomerInvoicesInput = z.input<typeof ListCustomerInvoicesInput>;

/** Input of `listPayments`: a customer's or an invoice's payments, one page. */
export const ListPaymentsInput = z.strictObject({
  customerId: idSchema('customer').optional(),
  invoiceId: idSchema('invoice').optional(),
  limit: limitSchema,
  offset: offsetSchema,
});
/** `ListPaymentsInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ListPaymentsInput = z.input<typeof ListPaymentsInput>;
