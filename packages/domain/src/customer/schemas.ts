import { z } from 'zod';
import { idSchema } from '../ids.js';
import { currencySchema, moneySchema, positiveMoneySchema } from '../money.js';
import { AddressSchema } from '../schemas/address.js';
import { MetadataSchema, metadataKeySchema } from '../schemas/metadata.js';
import { oneStyleOfPaging, pageSchema, timestampSchema } from '../schemas/pagination.js';
import { taxIdInputSchema } from '../tax-ids/schema.js';
import { CUSTOMER_STATUSES, TAX_EXEMPT_VALUES } from './model.js';

/** 1–256 characters after trimming. */
const nameSchema = z.string().trim().min(1).max(256);

/** A valid address of at most 512 characters, compared and stored lower-cased. */
export const emailSchema = z
  .string()
  .trim()
  .refine((email) => email.length <= 512, {
    message: 'must be at most 512 characters',
    params: { ledgerCode: 'invalid_email' },
  })
  .pipe(z.email({ message: 'must be a valid email address' }))
  .transform((email) => email.toLowerCase())
  .meta({ format: 'email', maxLength: 512 });

const customerId = idSchema('customer');
const taxIds = z.array(taxIdInputSchema).max(25);

/** Input of `createCustomer`: the seed's fields; scope and balance are never chosen by a body. */
export const CreateCustomerInput = z.strictObject({
  name: nameSchema,
  email: emailSchema,
  currency: currencySchema,
  billingAddress: AddressSchema.optional(),
  taxIds: taxIds.optional(),
  taxExempt: z.enum(TAX_EXEMPT_VALUES).optional(),
  metadata: MetadataSchema.optional(),
});
/** `CreateCustomerInput` as a caller writes it: parsing fills in defaults and normalises. */
export type CreateCustomerInput = z.input<typeof CreateCustomerInput>;

/** Input of `getCustomer`. */
export const GetCustomerInput = z.strictObject({ id: customerId });
/** `GetCustomerInput` as a caller writes it: parsing fills in defaults and normalises. */
export type GetCustomerInput = z.input<typeof GetCustomerInput>;

/** Input of `getCustomerByEmail` (any case). */
export const GetCustomerByEmailInput = z.strictObject({ email: emailSchema });
/** `GetCustomerByEmailInput` as a caller writes it: parsing fills in defaults and normalises. */
export type GetCustomerByEmailInput = z.input<typeof GetCustomerByEmailInput>;

/**
 * Input of `updateCustomer`: only the fields given change; `billingAddress` and
 * `defaultPaymentMethod` set to `null` clear them; metadata keys set to `null` are removed.
 */
export const UpdateCustomerInput = z.strictObject({
  id: customerId,
  name: nameSchema.optional(),
  email: emailSchema.optional(),
  currency: currencySchema.optional(),
  billingAddress: AddressSchema.nullable().optional(),
  defaultPaymentMethod: idSchema('paymentMethod').nullable().optional(),
  taxIds: taxIds.optional(),
  taxExempt: z.enum(TAX_EXEMPT_VALUES).optional(),
  metadata: MetadataSchema.optional(),
});
/** `UpdateCustomerInput` as a caller writes it: parsing fills in defaults and normalises. */
export type UpdateCustomerInput = z.input<typeof UpdateCustomerInput>;

/** Input of `deleteCustomer`. */
export const DeleteCustomerInput = z.strictObject({ id: customerId });
/** `DeleteCustomerInput` as a caller writes it: parsing fills in defaults and normalises. */
export type DeleteCustomerInput = z.input<typeof DeleteCustomerInput>;

/** Input of `eraseCustomer`. */
export const EraseCustomerInput = z.strictObject({ id: customerId });
/** `EraseCustomerInput` as a caller writes it. */
export type EraseCustomerInput = z.input<typeof EraseCustomerInput>;

/** Input of `listCustomers`: every filter of REST.md, offset or cursor paging. */
export const ListCustomersInput = z
  .strictObject({
    ...pageSchema(customerId),
    email: emailSchema.optional(),
    status: z.enum([...CUSTOMER_STATUSES, 'all']).default('active'),
    createdGte: timestampSchema.optional(),
    createdLte: timestampSchema.optional(),
    q: z.string().trim().min(1).max(256).optional(),
    metadata: z.record(metadataKeySchema, z.string().max(500)).optional(),
  })
  .refine(oneStyleOfPaging, {
    message: 'give either offset or starting_after, not both',
    path: ['startingAfter'],
  });
/** `ListCustomersInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ListCustomersInput = z.input<typeof ListCustomersInput>;
/** `ListCustomersInput` after parsing: what `CustomerStore.listCustomers` receives. */
export type ListCustomersFilter = z.output<typeof ListCustomersInput>;

/** Input of `addCredit`: a positive amount in the customer's currency and why it was given. */
export const AddCreditInput = z.strictObject({
  customerId,
  amount: positiveMoneySchema,
  reason: z.string().trim().min(1).max(500),
});
/** `AddCreditInput` as a caller writes it: parsing fills in defaults and normalises. */
export type AddCreditInput = z.input<typeof AddCreditInput>;

/** Input of `adjustBalance`: a signed amount (positive = debt, negative = credit). */
export const AdjustBalanceInput = z.strictObject({
  customerId,
  amount: moneySchema,
  description: z.string().trim().min(1).max(500),
});
/** `AdjustBalanceInput` as a caller writes it: parsing fills in defaults and normalises. */
export type AdjustBalanceInput = z.input<typeof AdjustBalanceInput>;

/** Input of `listBalanceTransactions`. */
export const ListBalanceTransactionsInput = z
  .strictObject({ customerId, ...pageSchema(idSchema('balanceTransaction')) })
  .refine(oneStyleOfPaging, {
    message: 'give either offset or starting_after, not both',
    path: ['startingAfter'],
  });
/** `ListBalanceTransactionsInput` as a caller writes it: parsing fills in defaults and normalises. */
export type ListBalanceTransactionsInput = z.input<typeof ListBalanceTransactionsInput>;
