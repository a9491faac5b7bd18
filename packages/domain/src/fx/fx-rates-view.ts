import type { FxRatesOverride, FxTable } from './table.js';

/** The rates a tenant's invoices convert with: the reference table with its overrides on top. */
export interface FxRatesView {
  base: string;
  /** Units of each currency per 1 `base`, as decimal strings (or exact fractions after rebasing). */
  rates: Record<string, string>;
  source: string;
  asOf: string;
  /** The tenant's own rates as it set them, or null when it uses the reference table alone. */
  overrides: FxRatesOverride | null;
}

/** Renders a merged table for callers. */
export function fxRatesView(table: FxTable, overrides: FxRatesOverride | null): FxRatesView {
  return {
    base: table.base,
    rates: Object.fromEntries(
      Object.entries(table.quotes).map(([code, quote]) => [code, quote.rate]),
    ),
    source: overrides
      ? `${overrides.source ?? 'tenant override'} over ${table.source}`
      : table.source,
    asOf: overrides?.asOf ?? table.asOf,
    overrides,
  };
}
