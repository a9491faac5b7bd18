import { AdjustBalanceInput } from '../customer/schemas.js';
import type { Money } from '../money.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction, ONE_STATEMENT } from '../transaction.js';
import { parseInput } from '../validation.js';
import type { BalanceTransaction } from './model.js';
import { postBalance } from './post-balance.js';

/**
 * Corrects a balance by a signed amount (positive adds debt, negative adds credit) with an
 * `adjustment` journal row; the history keeps both the mistake and its correction.
 */
export async function adjustBalance(
  ctx: ServiceContext,
  input: AdjustBalanceInput,
): Promise<{ balance: Money; transaction: BalanceTransaction }> {
  const data = parseInput(AdjustBalanceInput, input);
  return inTransaction(
    ctx,
    async (tx) => {
      const { customer, transaction } = await postBalance(tx, ctx, {
        customerId: data.customerId,
        type: 'adjustment',
        amount: data.amount,
        description: data.description,
      });
      return { balance: customer.balance, transaction };
    },
    ONE_STATEMENT,
  );
}
