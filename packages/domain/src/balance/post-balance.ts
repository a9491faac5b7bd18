import { loadLiveCustomer } from '../customer/load-customer.js';
import { LedgerError } from '../errors.js';
import type { CustomerId } from '../ids.js';
import { addMoney, type Money } from '../money.js';
import type { PostedBalance, ServiceContext, StoreTx } from '../ports.js';
import type { BalanceTransactionType } from './model.js';

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

/** Postings refused by the store although a fresh read finds nothing wrong (the row moved). */
const ATTEMPTS = 3;

/**
 * Why the store refused `change`: `customer_not_found`, `customer_deleted`, `currency_mismatch`
 * or `balance_out_of_range`, thrown; returns when none holds any more.
 */
async function explainRefusal(tx: StoreTx, ctx: ServiceContext, change: BalanceChange) {
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
  addMoney(customer.balance, change.amount);
}

/**
 * Posts one journal row, moves the balance and emits `customer.balance.updated` (with the old
 * balance) in one conditional statement of the store, in the caller's transaction if any: the
 * customer must be live and billed in the amount's currency, and the result storable. When the
 * store refuses, a read of the customer names the reason; nothing was written.
 */
export async function postBalance(
  tx: StoreTx,
  ctx: ServiceContext,
  change: BalanceChange,
): Promise<PostedBalance> {
  for (let attempt = 1; ; attempt++) {
    const posted = await tx.postBalance(ctx.scope, {
      id: ctx.ids.newId('balanceTransaction'),
      customerId: change.customerId,
      type: change.type,
      amount: change.amount.amount,
      currency: change.amount.currency,
      description: change.description,
      invoiceId: change.invoiceId ?? null,
      createdAt: ctx.clock.now(),
      event: {
        id: ctx.ids.newId('event'),
        owedInProcess: ctx.events.handles('customer.balance.updated'),
      },
    });
    if (posted) return posted;
    await explainRefusal(tx, ctx, change);
    if (attempt >= ATTEMPTS) {
      throw new Error(`The balance posting to ${change.customerId} was refused ${ATTEMPTS} times`);
    }
  }
}
