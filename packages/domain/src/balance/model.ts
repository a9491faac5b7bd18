import type { BalanceTransactionId, CustomerId } from '../ids.js';
import type { Money } from '../money.js';

/** Why a balance moved. Journal rows are immutable; a correction is a new row. */
export const BALANCE_TRANSACTION_TYPES = [
  'credit',
  'debit',
  'adjustment',
  'applied_to_invoice',
  'unapplied_from_invoice',
  'initial',
] as const;
/** One of {@link BALANCE_TRANSACTION_TYPES}: the reason on a journal row. */
export type BalanceTransactionType = (typeof BALANCE_TRANSACTION_TYPES)[number];

/**
 * One immutable journal row. `amount` is signed (negative = credit to the customer) and
 * `endingBalance` is the customer's balance right after it, so the rows form an unbroken chain.
 */
export interface BalanceTransaction {
  id: BalanceTransactionId;
  customerId: CustomerId;
  type: BalanceTransactionType;
  amount: Money;
  endingBalance: Money;
  description: string;
  invoiceId: string | null;
  createdAt: Date;
}

/** What `addCredit` returns: the new balance and the journal row that made it. */
export interface CreditResult {
  customerId: CustomerId;
  balance: Money;
  creditApplied: Money;
  transaction: BalanceTransaction;
}
