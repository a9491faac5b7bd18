import { z } from 'zod';
import { idSchema } from '../ids.js';

/** Input of `addPaymentMethod`: a processor token (`tok_…`) or an existing method id (`pm_…`). */
export const AddPaymentMethodInput = z.strictObject({
  customerId: idSchema('customer'),
  token: z.string().trim().min(1).max(255),
  makeDefault: z.boolean().default(false),
});
/** `AddPaymentMethodInput` as a caller writes it: parsing fills in defaults and normalises. */
export type AddPaymentMethodInput = z.input<typeof AddPaymentMethodInput>;

/** Input of `listPaymentMethods`: the customer's live methods. */
export const ListPaymentMethodsInput = z.strictObject({ customerId: idSchema('customer') });
/** `ListPaymentMethodsInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ListPaymentMethodsInput = z.input<typeof ListPaymentMethodsInput>;

/** Input of `removePaymentMethod`. */
export const RemovePaymentMethodInput = z.strictObject({
  customerId: idSchema('customer'),
  paymentMethodId: idSchema('paymentMethod'),
});
/** `RemovePaymentMethodInput` as a caller writes it: parsing fills in defaults and normalises. */
export type RemovePaymentMethodInput = z.input<typeof RemovePaymentMethodInput>;

/** Input of `startCardSetup`: the customer whose card the browser will collect. */
export const StartCardSetupInput = z.strictObject({ customerId: idSchema('customer') });
/** `StartCardSetupInput` as a caller writes it. */
export type StartCardSetupInput = z.input<typeof StartCardSetupInput>;

/** Input of `completeCardSetup`: the SetupIntent the browser says it completed (`seti_…`). */
export const CompleteCardSetupInput = z.strictObject({
  customerId: idSchema('customer'),
  setupIntentId: z.string().trim().min(1).max(255),
  makeDefault: z.boolean().default(false),
});
/** `CompleteCardSetupInput` as a caller writes it: parsing fills in defaults. */
export type CompleteCardSetupInput = z.input<typeof CompleteCardSetupInput>;
