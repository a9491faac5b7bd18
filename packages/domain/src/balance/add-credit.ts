import { AddCreditInput } from '../customer/schemas.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction, ONE_STATEMENT } from '../transaction.js';
import { parseInput } from '../validation.js';
import type { CreditResult } from './model.js';
import { postBalance } from './post-balance.js';

/**
 * Gives a customer account credit: posts `-amount` as a `credit` journal row (negative balance =
 * Ledger owes the customer), which later invoices consume. The amount must be positive and in
 * the customer's currency.
 */
export async function addCredit(ctx: ServiceContext, input: AddCreditInput): Promise<CreditResult> {
  const data = parseInput(AddCreditInput, input);
  return inTransaction(
    ctx,
    async (tx) => {
      const { customer, transaction } = await postBalance(tx, ctx, {
        customerId: data.customerId,
        type: 'credit',
        amount: { amount: -data.amount.amount, currency: data.amount.currency },
        description: data.reason,
      });
      return {
        customerId: customer.id,
        balance: customer.balance,
        creditApplied: data.amount,
        transaction,
      };
    },
    ONE_STATEMENT,
  );
}
