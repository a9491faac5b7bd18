import { z } from 'zod';
import { outputId, TimestampSchema } from '../schemas/output-schemas.js';

/** A customer's payment method (the `PaymentMethod` model). */
export const PaymentMethodSchema = z.object({
  id: outputId('paymentMethod'),
  customerId: outputId('customer'),
  processor: z.string(),
  /** The processor's own id (Stripe's `pm_…`); internal, never shown over REST. */
  processorId: z.string(),
  type: z.literal('card'),
  card: z.object({
    brand: z.string(),
    last4: z.string().length(4),
    expMonth: z.number().int(),
    expYear: z.number().int(),
    country: z.string().nullable(),
  }),
  createdAt: TimestampSchema,
  removedAt: TimestampSchema.nullable(),
});

/**
 * A payment method as the API shows it over REST and in a customer's export: without the
 * processor's own id, which only Ledger uses.
 */
export const PublicPaymentMethodSchema = PaymentMethodSchema.omit({ processorId: true });
