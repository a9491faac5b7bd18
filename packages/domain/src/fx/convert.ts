import { LedgerError } from '../errors.js';
import { assertStorable, currencyOf, type Money } from '../money.js';
import { divideRounded } from '../tax/decimal.js';
import {
  divideRational,
  formatRational,
  parseRational,
  type Rational,
  rationalToDecimal,
} from './rational.js';
import { type FxQuote, type FxTable, REFERENCE_FX_TABLE } from './table.js';

/**
 * A conversion as the invoice records it (DOMAIN.md: `fx{from, rate, source, asOf}`). `rate` is
 * for people (at most 12 decimals); `exactRate` is the exact rate the amount was computed from (a
 * decimal, or a fraction such as "79/94" for cross rates), so the figure can be re-derived.
 */
export interface FxConversion {
  readonly amount: Money;
  readonly from: string;
  readonly rate: string;
  readonly exactRate: string;
  readonly source: string;
  readonly asOf: string;
}

/** Decimal places shown in {@link FxConversion.rate}. */
export const DISPLAY_RATE_DIGITS = 12;

interface Leg {
  readonly rate: Rational;
  readonly quote: FxQuote | undefined;
}

function legOf(table: FxTable, code: string, from: string, to: string): Leg {
  if (code === table.base) return { rate: { num: 1n, den: 1n }, quote: undefined };
  const quote = table.quotes[code];
  if (!quote) {
    throw new LedgerError(
      'invalid_currency',
      `No exchange rate for ${code} (rates are quoted against ${table.base})`,
      { param: code === from ? ['currency'] : ['to'], details: { from, to, missing: code } },
    );
  }
  return { rate: parseRational(quote.rate), quote };
}

/** Minor units per major unit: 100 for USD, 1 for JPY, 1000 for KWD, 5 for MGA. */
function minorPerMajor(code: string): bigint {
  const { base, exponent } = currencyOf(code);
  const radix = Array.isArray(base) ? base.reduce((a, b) => a * b, 1) : base;
  return BigInt(radix) ** BigInt(exponent);
}

function distinct(values: ReadonlyArray<string>): string {
  return [...new Set(values)].join(' / ');
}

/**
 * `fx.convert(money, toCurrency)` from DOMAIN.md. The rate is `rate(to) / rate(from)` through the
 * table's base, kept as an exact fraction; the target amount is rounded half to even exactly once,
 * to the target's own minor unit (so USD → JPY and USD → KWD come out right). Same currency is
 * the identity with rate "1". An unknown code, or a currency the table has no rate for, is
 * `invalid_currency`: it is the currency the caller asked for that cannot be served, not two
 * amounts that fail to match. `table` defaults to the reference; pass `mergeFxRates(...)` for a
 * tenant's own rates.
 */
export function convert(
  money: Money,
  to: string,
  table: FxTable = REFERENCE_FX_TABLE,
): FxConversion {
  const from = currencyOf(money.currency.trim().toUpperCase()).code;
  const target = currencyOf(to.trim().toUpperCase()).code;
  if (!Number.isSafeInteger(money.amount)) {
    throw new LedgerError('invalid_amount', 'The amount must be an integer of minor units', {
      param: ['amount'],
    });
  }
  if (from === target) {
    const amount = { amount: money.amount, currency: target };
    return { amount, from, rate: '1', exactRate: '1', source: table.source, asOf: table.asOf };
  }
  const fromLeg = legOf(table, from, from, target);
  const toLeg = legOf(table, target, from, target);
  const rate = divideRational(toLeg.rate, fromLeg.rate);
  const numerator = BigInt(money.amount) * rate.num * minorPerMajor(target);
  const denominator = rate.den * minorPerMajor(from);
  const rounded = divideRounded(numerator, denominator, 'halfEven');
  const amount: Money = { amount: Number(rounded), currency: target };
  assertStorable(amount);
  const quotes = [fromLeg.quote, toLeg.quote].filter((q): q is FxQuote => q !== undefined);
  return {
    amount,
    from,
    rate: rationalToDecimal(rate, DISPLAY_RATE_DIGITS),
    exactRate: formatRational(rate),
    source: distinct(quotes.map((q) => q.source)),
    asOf: distinct(quotes.map((q) => q.asOf)),
  };
}
