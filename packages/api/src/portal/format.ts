import { formatMoney, type Money } from '@ledger/domain';

/** An amount as people read it in its currency (`Intl.NumberFormat`), e.g. "$49.99". */
export const money = (value: Money): string => formatMoney(value);

/** A balance in words: negative is credit the customer holds, positive is owed. */
export function balanceInWords(balance: Money): string {
  if (balance.amount === 0) return `${money(balance)}`;
  const magnitude = { ...balance, amount: Math.abs(balance.amount) };
  return balance.amount < 0 ? `${money(magnitude)} credit` : `${money(magnitude)} owed`;
}

const dateFormat = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

/** A date as people read it ("Dec 1, 2026"), in UTC like every other date Ledger shows. */
export const day = (value: Date): string => dateFormat.format(value);
