import type { CustomerId, PaymentMethodId } from '../ids.js';
import type { Money } from '../money.js';
import type { Address } from '../schemas/address.js';
import type { Metadata } from '../schemas/metadata.js';
import type { TaxId } from '../tax-ids/types.js';

/** How a customer's invoices are taxed (see DOMAIN.md "Tax"). */
export const TAX_EXEMPT_VALUES = ['none', 'exempt', 'reverse'] as const;
/** One of {@link TAX_EXEMPT_VALUES}. */
export type TaxExempt = (typeof TAX_EXEMPT_VALUES)[number];

/** `deleted` customers stay readable by id to preserve billing history. */
export const CUSTOMER_STATUSES = ['active', 'deleted'] as const;
/** One of {@link CUSTOMER_STATUSES}. */
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/**
 * The central entity of billing: who subscribes, uses, is invoiced and pays. `balance` is in
 * `currency`; negative is credit (Ledger owes the customer), positive is debt.
 */
export interface Customer {
  id: CustomerId;
  tenantId: string;
  appId: string;
  name: string;
  /** Null only once the customer is erased (see `eraseCustomer`). */
  email: string | null;
  billingAddress: Address | null;
  defaultPaymentMethod: PaymentMethodId | null;
  balance: Money;
  currency: string;
  taxIds: TaxId[];
  taxExempt: TaxExempt;
  metadata: Metadata;
  status: CustomerStatus;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  /** When its personal data was erased (GDPR Art. 17); erased customers are also deleted. */
  erasedAt: Date | null;
}

/** The name an erased customer keeps, so every record that shows a name stays valid. */
export const ERASED_CUSTOMER_NAME = 'Erased customer';

/** The profile fields an update may change (balance changes only through the journal). */
export const PROFILE_FIELDS = [
  'name',
  'email',
  'billingAddress',
  'defaultPaymentMethod',
  'currency',
  'taxIds',
  'taxExempt',
  'metadata',
] as const satisfies ReadonlyArray<keyof Customer>;
