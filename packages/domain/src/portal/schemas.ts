import { z } from 'zod';
import { emailSchema } from '../customer/schemas.js';
import { idSchema } from '../ids.js';
import { CUSTOMER_UPDATE_FIELDS } from './configuration.js';

/** An absolute `http://` or `https://` URL of at most 2048 characters. */
export const httpUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
    message: 'must be an absolute http:// or https:// URL',
  })
  .meta({ format: 'uri', maxLength: 2048 });

/**
 * Input of `createPortalSession`: where "back" goes (`returnUrl`; the configuration's default
 * when omitted, required when there is none) and how long the link works (60–86400 s, 300).
 */
export const CreatePortalSessionInput = z.strictObject({
  customerId: idSchema('customer'),
  returnUrl: httpUrlSchema.optional(),
  expiresIn: z.coerce.number<number>().int().min(60).max(86_400).default(300),
});
/** `CreatePortalSessionInput` as a caller writes it. */
export type CreatePortalSessionInput = z.input<typeof CreatePortalSessionInput>;

/** Input of `revokePortalSession`. */
export const RevokePortalSessionInput = z.strictObject({ id: idSchema('portalSession') });
/** `RevokePortalSessionInput` as a caller writes it. */
export type RevokePortalSessionInput = z.input<typeof RevokePortalSessionInput>;

const toggle = z.strictObject({ enabled: z.boolean() });

/**
 * Input of `setPortalConfiguration`: the fields given replace the stored ones (objects merge
 * field by field, lists are replaced); a nullable field set to `null` clears it.
 */
export const SetPortalConfigurationInput = z.strictObject({
  business: z
    .strictObject({
      name: z.string().trim().min(1).max(256).optional(),
      privacyPolicyUrl: httpUrlSchema.nullable().optional(),
      termsOfServiceUrl: httpUrlSchema.nullable().optional(),
      supportEmail: emailSchema.nullable().optional(),
    })
    .optional(),
  defaultReturnUrl: httpUrlSchema.nullable().optional(),
  features: z
    .strictObject({
      invoiceHistory: toggle.partial().optional(),
      paymentMethodUpdate: toggle.partial().optional(),
      subscriptionUpdate: z
        .strictObject({
          enabled: z.boolean().optional(),
          plans: z.array(idSchema('plan')).max(100).optional(),
        })
        .optional(),
      subscriptionCancel: z
        .strictObject({
          enabled: z.boolean().optional(),
          mode: z.enum(['at_period_end', 'immediately']).optional(),
        })
        .optional(),
      customerUpdate: z
        .strictObject({
          enabled: z.boolean().optional(),
          allowedUpdates: z.array(z.enum(CUSTOMER_UPDATE_FIELDS)).optional(),
        })
        .optional(),
      dataExport: toggle.partial().optional(),
    })
    .optional(),
});
/** `SetPortalConfigurationInput` as a caller writes it. */
export type SetPortalConfigurationInput = z.input<typeof SetPortalConfigurationInput>;
