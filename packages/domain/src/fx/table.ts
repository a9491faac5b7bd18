import { z } from 'zod';
import { LedgerError } from '../errors.js';
import { currencySchema } from '../money.js';
import { isDecimalString, parseDecimal } from '../tax/decimal.js';
import { parseInput } from '../validation.js';
import referenceRates from './rates.json' with { type: 'json' };
import {
  divideRational,
  formatRational,
  multiplyRational,
  parseRational,
  type Rational,
} from './rational.js';

/**
 * One rate with its provenance: 1 unit of the table's base buys `rate` units of the currency.
 * `rate` is a decimal or, after rebasing an override, an exact fraction ("100/107"). The invoice
 * records `source` and `asOf` next to the rate it used (DOMAIN.md, Multi-currency).
 */
export interface FxQuote {
  readonly rate: string;
  readonly source: string;
  readonly asOf: string;
}

/** A set of quotes against one base currency; the base itself is implicitly 1. */
export interface FxTable {
  readonly base: string;
  readonly source: string;
  readonly asOf: string;
  readonly quotes: Readonly<Record<string, FxQuote>>;
}

const positiveDecimal = z
  .string()
  .trim()
  .refine((rate) => isDecimalString(rate) && parseDecimal(rate).units > 0n, {
    message: 'must be a positive decimal string such as "0.94"',
  });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD date');

/**
 * A tenant's own rates, in the same form as the reference table: units of each currency per 1
 * `base`. Codes are accepted in any case; rates must be positive decimal strings, never numbers,
 * so that what the tenant typed is what gets multiplied. `source` and `asOf` end up on invoices.
 */
export const FxRatesOverrideSchema = z.strictObject({
  base: currencySchema,
  rates: z.record(currencySchema, positiveDecimal),
  source: z.string().trim().min(1).max(200).optional(),
  asOf: isoDate.optional(),
});

/** A validated tenant override table. */
export type FxRatesOverride = z.output<typeof FxRatesOverrideSchema>;

const ReferenceDataSchema = z.strictObject({
  base: currencySchema,
  asOf: isoDate,
  source: z.string().min(1),
  notes: z.array(z.string()).optional(),
  rates: z.record(currencySchema, positiveDecimal),
});

function quotesOf(
  rates: Readonly<Record<string, string>>,
  source: string,
  asOf: string,
): Record<string, FxQuote> {
  return Object.fromEntries(
    Object.entries(rates).map(([code, rate]) => [code, { rate, source, asOf }]),
  );
}

const reference = ReferenceDataSchema.parse(referenceRates);

/**
 * The built-in reference table (`rates.json`), validated at load so a bad entry fails fast.
 * Indicative rates: deployments that bill across currencies should lay their own over it.
 */
export const REFERENCE_FX_TABLE: FxTable = {
  base: reference.base,
  source: reference.source,
  asOf: reference.asOf,
  quotes: quotesOf(reference.rates, reference.source, reference.asOf),
};

/** Refuses an override that gives its own base a rate other than 1 (a contradiction). */
function checkSelfRate(override: FxRatesOverride, code: string): void {
  const rate = override.rates[code];
  if (rate !== undefined && parseRational(rate).num !== parseRational(rate).den) {
    throw new LedgerError('invalid_input', `The rate of ${code} against itself must be 1`, {
      param: ['rates', code],
    });
  }
}

/** The value of 1 reference base in override-base units, and where that figure came from. */
function anchorOf(table: FxTable, override: FxRatesOverride, source: string, asOf: string) {
  const direct = override.rates[table.base];
  if (direct !== undefined) {
    const anchor = divideRational({ num: 1n, den: 1n }, parseRational(direct));
    return { anchor, quote: { rate: formatRational(anchor), source, asOf } };
  }
  const quote = table.quotes[override.base];
  if (!quote) {
    throw new LedgerError(
      'invalid_currency',
      `Cannot rebase rates given against ${override.base}: the table has no ${override.base} rate; include a ${table.base} rate in the override`,
      { param: ['base'], details: { base: override.base, tableBase: table.base } },
    );
  }
  return { anchor: parseRational(quote.rate), quote };
}

/**
 * Lays a tenant's rates over a table (usually {@link REFERENCE_FX_TABLE}); the tenant wins per
 * currency. An override in another base is rebased exactly (as fractions) onto the table's base,
 * through the override's own rate for the table's base when it gives one, else through the table's
 * rate for the override's base. Pure, so each tenant's table can be built per request.
 */
export function mergeFxRates(table: FxTable, overrides: FxRatesOverride): FxTable {
  const override = parseInput(FxRatesOverrideSchema, overrides);
  const source = override.source ?? 'tenant override';
  const asOf = override.asOf ?? 'unspecified';
  checkSelfRate(override, override.base);
  const quotes: Record<string, FxQuote> = { ...table.quotes };
  if (override.base === table.base) {
    const { [table.base]: _self, ...rates } = override.rates;
    Object.assign(quotes, quotesOf(rates, source, asOf));
  } else {
    const { anchor, quote } = anchorOf(table, override, source, asOf);
    const via = quote.source === source ? source : `${source}, rebased on ${quote.source}`;
    quotes[override.base] = quote;
    for (const [code, rate] of Object.entries(override.rates)) {
      if (code === table.base || code === override.base) continue;
      const rebased: Rational = multiplyRational(parseRational(rate), anchor);
      quotes[code] = { rate: formatRational(rebased), source: via, asOf };
    }
  }
  return {
    base: table.base,
    source: `${source} over ${table.source}`,
    asOf: override.asOf ?? table.asOf,
    quotes,
  };
}
