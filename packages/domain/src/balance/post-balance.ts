import { loadLiveCustomer } from '../customer/load-customer.js';
import type { Customer } from '../customer/model.js';
import { LedgerError } from '../errors.js';
import { recordCustomerEvent } from '../events/record-event.js';
import type { CustomerId } from '../ids.js';
import { addMoney, type Money } from '../money.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import type { BalanceTransaction, BalanceTransactionType } from './model.js';

/** One change to a customer's balance, as a service asks for it. */
export interface BalanceChange {
  customerId: CustomerId;
  type: BalanceTransactionType;
  /** Signed: negative credits the customer, positive debits. */
  amount: Money;
  description: string;
  invoiceId?: string | null;
  /** The input path of the customer id, for error messages. */
  param?: string;
}

/**
 * Posts one journal row and moves the balance in the caller's transaction, then emits
 * `customer.balance.updated` with the old balance. The currency must be the customer's
 * (`currency_mismatch`); a result outside the storable range is refused before any write.
 */
export async function postBalance(
  tx: StoreTx,
  ctx: ServiceContext,
  change: BalanceChange,
): Promise<{ customer: Customer; transaction: BalanceTransaction }> {
  const customer = await loadLiveCustomer(tx, ctx, change.customerId, {
    param: change.param ?? 'customerId',
  });
  if (change.amount.currency !== customer.currency) {
    throw new LedgerError(
      'currency_mismatch',
      `The amount is in ${change.amount.currency} but the customer is billed in ${customer.currency}`,
      {
        param: ['amount', 'currency'],
        details: { expected: customer.currency, received: change.amount.currency },
      },
    );
  }
  addMoney(customer.balance, change.amount); // refuses an out-of-range result before writing
  const transaction = await tx.postBalance(ctx.scope, {
    id: ctx.ids.newId('balanceTransaction'),
    customerId: customer.id,
    type: change.type,
    amount: change.amount.amount,
    currency: change.amount.currency,
    description: change.description,
    invoiceId: change.invoiceId ?? null,
    createdAt: ctx.clock.now(),
  });
  const updated: Customer = { ...customer, balance: transaction.endingBalance };
  await recordCustomerEvent(tx, ctx, 'customer.balance.updated', updated, updated, {
    balance: customer.balance,
  });
  return { customer: updated, transaction };
}
