import { add, type Dinero, type DineroCurrency, dinero, toSnapshot } from 'dinero.js';
import * as currencies from 'dinero.js/currencies';
import { z } from 'zod';
import { LedgerError } from './errors.js';

/**
 * An amount of money: an integer in the currency's minor unit (USD cents, JPY yen, KWD fils) and
 * an upper-case ISO 4217 code. Plain data on purpose, so it crosses the wire and the database
 * unchanged; arithmetic goes through dinero.js, never through floating point.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** The largest magnitude a caller may give for one amount (DOMAIN.md). */
export const MAX_INPUT_AMOUNT = 999_999_999_999;
/** Stored balances and totals stay within ±(2^53 − 1). */
export const MAX_STORED_AMOUNT = Number.MAX_SAFE_INTEGER;

const CURRENCIES: ReadonlyMap<string, DineroCurrency<number>> = new Map(
  Object.values(currencies).map((currency) => [currency.code, currency]),
);

/** True for an ISO 4217 code dinero.js knows, in canonical upper case. */
export function isCurrencyCode(code: string): boolean {
  return CURRENCIES.has(code);
}

/** The ISO 4217 definition of `code` (upper case); throws `invalid_currency` when unknown. */
export function currencyOf(code: string): DineroCurrency<number> {
  const currency = CURRENCIES.get(code);
  if (!currency) throw new LedgerError('invalid_currency', `Unknown currency "${code}"`);
  return currency;
}

/** Currency codes are accepted in any case and stored upper-case; unknown codes are refused. */
export const currencySchema = z
  .string()
  .trim()
  .transform((code) => code.toUpperCase())
  .refine(isCurrencyCode, {
    message: 'must be an ISO 4217 currency code',
    params: { ledgerCode: 'invalid_currency' },
  })
  .meta({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 currency code (any case)' });

/** A caller-given amount in minor units: an integer with 1 ≤ |amount| ≤ 999 999 999 999. */
export const amountSchema = z
  .number({ error: 'must be an integer number of minor units' })
  // First and aborting, so a fraction is `invalid_amount`; `.int()` keeps the JSON Schema type.
  .refine(Number.isSafeInteger, {
    message: 'must be an integer number of minor units',
    params: { ledgerCode: 'invalid_amount' },
    abort: true,
  })
  .int({ error: 'must be an integer number of minor units' })
  .refine((amount) => amount !== 0 && Math.abs(amount) <= MAX_INPUT_AMOUNT, {
    message: `must be between 1 and ${MAX_INPUT_AMOUNT} in absolute value`,
    params: { ledgerCode: 'invalid_amount' },
  });

/** A caller-given money value. */
export const moneySchema = z.strictObject({ amount: amountSchema, currency: currencySchema });

/** A caller-given money value that must be strictly positive. */
export const positiveMoneySchema = z.strictObject({
  amount: amountSchema.refine((amount) => amount > 0, {
    message: 'must be positive',
    params: { ledgerCode: 'invalid_amount' },
  }),
  currency: currencySchema,
});

function toDinero(money: Money): Dinero<number> {
  return dinero({ amount: money.amount, currency: currencyOf(money.currency) });
}

function fromDinero(value: Dinero<number>): Money {
  const snapshot = toSnapshot(value);
  return { amount: snapshot.amount, currency: snapshot.currency.code };
}

/** Zero in `currency`. */
export function zero(currency: string): Money {
  return { amount: 0, currency: currencyOf(currency).code };
}

/**
 * Adds two amounts of one currency. Different currencies are `currency_mismatch` (never a silent
 * conversion); a result outside ±(2^53 − 1) is `balance_out_of_range`.
 */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) {
    throw new LedgerError('currency_mismatch', `Cannot combine ${a.currency} with ${b.currency}`, {
      details: { expected: a.currency, received: b.currency },
    });
  }
  const sum = fromDinero(add(toDinero(a), toDinero(b)));
  assertStorable(sum);
  return sum;
}

/** Refuses an amount that would leave the storable range, before anything is written. */
export function assertStorable(money: Money): void {
  if (!Number.isSafeInteger(money.amount)) {
    throw new LedgerError(
      'balance_out_of_range',
      `Amount would leave the storable range of ±${MAX_STORED_AMOUNT}`,
      { details: { currency: money.currency } },
    );
  }
}

/**
 * The exact decimal string of an amount in major units, e.g. 4999 USD → "49.99". Written from
 * the integer's digits (a safe integer prints exactly), never through a fraction: every money
 * value on the wire goes through this, and dinero's `toDecimal` cost several times more.
 */
export function toDecimalString(money: Money): string {
  const exponent = exponentOf(money.currency);
  const digits = String(Math.abs(money.amount)).padStart(exponent + 1, '0');
  const cut = digits.length - exponent;
  const sign = money.amount < 0 ? '-' : '';
  return exponent === 0
    ? `${sign}${digits}`
    : `${sign}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

/** At most this many formatters are kept; past it the oldest one makes room. */
const MAX_FORMATTERS = 256;
/** Formatters by `locale currency`: building one costs ~24 µs, using one ~1 µs. */
const formatters = new Map<string, Intl.NumberFormat>();

/**
 * The currency formatter of `locale`, built once per (locale, currency) and then reused: every
 * money value on the wire is formatted, and building a formatter dominated its cost.
 */
function formatterOf(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale} ${currency}`;
  const known = formatters.get(key);
  if (known) return known;
  const formatter = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponentOf(currency),
    maximumFractionDigits: exponentOf(currency),
  });
  if (formatters.size >= MAX_FORMATTERS) {
    const oldest = formatters.keys().next();
    if (!oldest.done) formatters.delete(oldest.value);
  }
  formatters.set(key, formatter);
  return formatter;
}

/**
 * A human-readable rendering such as "$49.99" or "¥500", computed from the exact decimal string
 * (Intl formats decimal strings without converting them to floating point).
 */
export function formatMoney(money: Money, locale = 'en-US'): string {
  // Intl.NumberFormat accepts a decimal string and keeps it exact (ECMA-402 "string" values).
  return formatterOf(locale, money.currency).format(toDecimalString(money) as unknown as number);
}

/** The minor-unit exponent of `currency` (2 for USD, 0 for JPY, 3 for KWD). */
export function exponentOf(currency: string): number {
  return currencyOf(currency).exponent;
}
