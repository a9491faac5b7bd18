import { z } from 'zod';
import { outputId, TimestampSchema } from '../schemas/output-schemas.js';
import { CUSTOMER_UPDATE_FIELDS } from './configuration.js';

/** A portal session as the API returns it (the `PortalSession` model). */
export const PortalSessionSchema = z.object({
  id: outputId('portalSession'),
  customerId: outputId('customer'),
  returnUrl: z.string(),
  expiresAt: TimestampSchema,
  createdAt: TimestampSchema,
  usedAt: TimestampSchema.nullable(),
  sessionExpiresAt: TimestampSchema.nullable(),
  revokedAt: TimestampSchema.nullable(),
});

/** A new session with its single-use link, shown this once. */
export const CreatedPortalSessionSchema = PortalSessionSchema.extend({
  url: z.string().meta({ description: 'The single-use link; redirect the customer here (303)' }),
});

const toggle = z.object({ enabled: z.boolean() });

/** A scope's portal configuration (the `PortalConfiguration` model). */
export const PortalConfigurationSchema = z.object({
  business: z.object({
    name: z.string(),
    privacyPolicyUrl: z.string().nullable(),
    termsOfServiceUrl: z.string().nullable(),
    supportEmail: z.string().nullable(),
  }),
  defaultReturnUrl: z.string().nullable(),
  features: z.object({
    invoiceHistory: toggle,
    paymentMethodUpdate: toggle,
    subscriptionUpdate: z.object({ enabled: z.boolean(), plans: z.array(outputId('plan')) }),
    subscriptionCancel: z.object({
      enabled: z.boolean(),
      mode: z.enum(['at_period_end', 'immediately']),
    }),
    customerUpdate: z.object({
      enabled: z.boolean(),
      allowedUpdates: z.array(z.enum(CUSTOMER_UPDATE_FIELDS)),
    }),
    dataExport: toggle,
  }),
  updatedAt: TimestampSchema.nullable(),
});
