import { z } from 'zod';
import { idSchema } from '../ids.js';

/** Input of `addPaymentMethod`: a processor token (`tok_…`) or an existing method id (`pm_…`). */
export const AddPaymentMethodInput = z.strictObject({
  customerId: idSchema('customer'),
  token: z.string().trim().min(1).max(255),
  makeDefault: z.boolean().default(false),
});
export type AddPaymentMethodInput = z.input<typeof AddPaymentMethodInput>;

export const ListPaymentMethodsInput = z.strictObject({ customerId: idSchema('customer') });
export type ListPaymentMethodsInput = z.input<typeof ListPaymentMethodsInput>;

export const RemovePaymentMethodInput = z.strictObject({
  customerId: idSchema('customer'),
  paymentMethodId: idSchema('paymentMethod'),
});
export type RemovePaymentMethodInput = z.input<typeof RemovePaymentMethodInput>;
