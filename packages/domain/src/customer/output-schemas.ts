import { z } from 'zod';
import { BALANCE_TRANSACTION_TYPES } from '../balance/model.js';
import {
  AddressOutputSchema,
  CurrencyCodeSchema,
  MetadataOutputSchema,
  MoneySchema,
  outputId,
  TaxIdOutputSchema,
  TimestampSchema,
} from '../schemas/output-schemas.js';
import { CUSTOMER_STATUSES, TAX_EXEMPT_VALUES } from './model.js';

/** What the customer verbs return (the `Customer` model). */
export const CustomerSchema = z.object({
  id: outputId('customer'),
  tenantId: z.string(),
  appId: z.string(),
  name: z.string(),
  /** Null once the customer is erased. */
  email: z.string().meta({ format: 'email' }).nullable(),
  billingAddress: AddressOutputSchema.nullable(),
  defaultPaymentMethod: outputId('paymentMethod').nullable(),
  balance: MoneySchema,
  currency: CurrencyCodeSchema,
  taxIds: z.array(TaxIdOutputSchema),
  taxExempt: z.enum(TAX_EXEMPT_VALUES),
  metadata: MetadataOutputSchema,
  status: z.enum(CUSTOMER_STATUSES),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  deletedAt: TimestampSchema.nullable(),
  erasedAt: TimestampSchema.nullable(),
});

/** One immutable journal row (the `BalanceTransaction` model). */
export const BalanceTransactionSchema = z.object({
  id: outputId('balanceTransaction'),
  customerId: outputId('customer'),
  type: z.enum(BALANCE_TRANSACTION_TYPES),
  amount: MoneySchema,
  endingBalance: MoneySchema,
  description: z.string(),
  invoiceId: z.string().nullable(),
  createdAt: TimestampSchema,
});

/** What `addCredit` returns (the `CreditResult` model). */
export const CreditResultSchema = z.object({
  customerId: outputId('customer'),
  balance: MoneySchema,
  creditApplied: MoneySchema,
  transaction: BalanceTransactionSchema,
});
