import {
  BALANCE_TRANSACTION_TYPES,
  CUSTOMER_STATUSES,
  TAX_EXEMPT_VALUES,
  TAX_ID_TYPES,
  TAX_ID_VERIFICATION_STATUSES,
} from '@ledger/domain';
import { z } from 'zod';

/**
 * The REST objects as they go over the wire (snake_case). They document responses in the
 * OpenAPI document, and the REST tests parse real responses with them, so the two cannot drift.
 */
export const MoneyObject = z.strictObject({
  amount: z.number().int(),
  currency: z.string().length(3),
  display: z.string(),
});

const timestamp = z.iso.datetime();

export const AddressObject = z.strictObject({
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  postal_code: z.string().optional(),
  country: z.string().length(2),
});

export const CustomerObject = z.strictObject({
  id: z.string().startsWith('cus_'),
  tenant_id: z.string(),
  app_id: z.string(),
  name: z.string(),
  email: z.string(),
  currency: z.string().length(3),
  balance: MoneyObject,
  billing_address: AddressObject.nullable(),
  default_payment_method: z.string().nullable(),
  tax_ids: z.array(
    z.strictObject({
      type: z.enum(TAX_ID_TYPES),
      value: z.string(),
      verification: z.strictObject({
        status: z.enum(TAX_ID_VERIFICATION_STATUSES),
        reason: z.string().optional(),
      }),
    }),
  ),
  tax_exempt: z.enum(TAX_EXEMPT_VALUES),
  metadata: z.record(z.string(), z.unknown()),
  status: z.enum(CUSTOMER_STATUSES),
  created_at: timestamp,
  updated_at: timestamp,
  deleted_at: timestamp.nullable(),
});

export const BalanceTransactionObject = z.strictObject({
  id: z.string().startsWith('cbtxn_'),
  customer_id: z.string(),
  type: z.enum(BALANCE_TRANSACTION_TYPES),
  amount: MoneyObject,
  ending_balance: MoneyObject,
  description: z.string(),
  invoice_id: z.string().nullable(),
  created_at: timestamp,
});

export const CreditResultObject = z.strictObject({
  customer_id: z.string(),
  balance: MoneyObject,
  credit_applied: MoneyObject,
  transaction: BalanceTransactionObject,
});

/** A list page: `{data, pagination}`. */
export function listObject<T extends z.ZodType>(item: T) {
  return z.strictObject({
    data: z.array(item),
    pagination: z.strictObject({
      total: z.number().int(),
      limit: z.number().int(),
      offset: z.number().int(),
      has_more: z.boolean(),
      next_cursor: z.string().nullable(),
    }),
  });
}

export const ErrorObject = z.strictObject({
  error: z.strictObject({
    type: z.string(),
    code: z.string(),
    message: z.string(),
    param: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    request_id: z.string(),
  }),
});
