import { convert } from '../../fx/convert.js';
import type { FxTable } from '../../fx/table.js';
import type { InvoiceFx, LineItem } from '../model.js';

/** Lines in the invoice's currency, their exact sum, and the conversion they record. */
export interface ConvertedLines {
  lines: LineItem[];
  subtotal: number;
  fx: InvoiceFx | null;
}

/**
 * Converts an invoice's lines from the plan's currency into the customer's. The subtotal converts
 * once from the exact sum (rounded half to even, once per invoice, DOMAIN.md); each line converts
 * on its own and the rounding difference goes to the largest line, so the lines still add up to
 * the subtotal exactly. The same currency passes through untouched.
 */
export function convertLines(
  lines: readonly LineItem[],
  from: string,
  to: string,
  table: FxTable,
): ConvertedLines {
  const sum = lines.reduce((total, line) => total + line.amount.amount, 0);
  if (from === to) return { lines: [...lines], subtotal: sum, fx: null };
  const total = convert({ amount: sum, currency: from }, to, table);
  const converted = lines.map((line) => ({
    ...line,
    amount: convert(line.amount, to, table).amount,
  }));
  const difference = total.amount.amount - converted.reduce((t, line) => t + line.amount.amount, 0);
  let largest = -1;
  converted.forEach((line, i) => {
    const best = converted[largest];
    if (!best || Math.abs(line.amount.amount) > Math.abs(best.amount.amount)) largest = i;
  });
  const target = converted[largest];
  if (target && difference !== 0)
    target.amount = { amount: target.amount.amount + difference, currency: to };
  return {
    lines: converted,
    subtotal: total.amount.amount,
    fx: { from, rate: total.rate, source: total.source, asOf: total.asOf },
  };
}
