import { z } from 'zod';
import { parseInput } from '../validation.js';
import { compareDecimals, isDecimalString } from './decimal.js';
import builtInRates from './rates.json' with { type: 'json' };

const taxRateSchema = z
  .string()
  .refine(isDecimalString, { message: 'must be a decimal string such as "0.19"' })
  .refine((rate) => !isDecimalString(rate) || compareDecimals(rate, '1') <= 0, {
    message: 'must be at most 1',
  });

const countryKey = z.string().regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166-1 alpha-2 code');
const regionKey = z.string().regex(/^[A-Z0-9]{1,3}$/, 'must be an upper-case region code');
const postalKey = z.string().regex(/^[A-Z0-9]+$/, 'must be upper case without spaces or dashes');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD date');

/**
 * One tax that makes up a rate (Quebec's GST and QST, New York City's city tax). Kept apart so an
 * invoice can show each levy; `jurisdiction` defaults to the level it is listed at.
 */
export const TaxComponentDataSchema = z.strictObject({
  name: z.string().min(1),
  rate: taxRateSchema,
  jurisdiction: z.string().min(1).optional(),
});

/** A state's or province's own components. */
export const TaxRegionSchema = z.strictObject({
  name: z.string().min(1),
  components: z.array(TaxComponentDataSchema),
});

/**
 * A refinement for addresses whose postal code starts with the entry's key: local taxes added on
 * top (a US city), or a replacement (a territory outside the national VAT area). `region` ties
 * the entry to one state or province and lets a ZIP code stand in for a missing state.
 */
export const PostalTaxOverrideSchema = z.strictObject({
  name: z.string().min(1),
  region: regionKey.optional(),
  replace: z.boolean().optional(),
  components: z.array(TaxComponentDataSchema),
});

const countryFields = {
  name: z.string().min(1),
  components: z.array(TaxComponentDataSchema).optional(),
  regions: z.record(regionKey, TaxRegionSchema).optional(),
  postalCodes: z.record(postalKey, PostalTaxOverrideSchema).optional(),
  postalRegions: z.record(postalKey, regionKey).optional(),
};

/**
 * A country's taxes: national `components`, per-region `regions`, or both (then the national
 * components apply only when the region is unknown). `postalRegions` maps postal-code prefixes to
 * regions for addresses that omit the state (Canadian postal codes name their province).
 */
export const CountryTaxSchema = z
  .strictObject(countryFields)
  .refine((country) => country.components !== undefined || country.regions !== undefined, {
    message: 'a country needs components, regions or both',
  });

/** The whole rate table: what ships in `rates.json`, and what a merged deployment table is. */
export const TaxRateTableSchema = z.strictObject({
  asOf: isoDate,
  notes: z.array(z.string()).optional(),
  sources: z.array(z.string().min(1)).min(1),
  countries: z.record(countryKey, CountryTaxSchema),
});

/**
 * A deployment's changes to the built-in table: per country, any field given replaces the
 * built-in one, except `regions`, `postalCodes` and `postalRegions`, which merge key by key. Lets
 * an operator correct one rate on the day it changes without waiting for a release.
 */
export const TaxRateOverridesSchema = z.strictObject({
  asOf: isoDate.optional(),
  sources: z.array(z.string().min(1)).optional(),
  countries: z.record(countryKey, z.strictObject(countryFields).partial()),
});

/** One component as stored in the table. */
export type TaxComponentData = z.output<typeof TaxComponentDataSchema>;
/** One country as stored in the table. */
export type CountryTax = z.output<typeof CountryTaxSchema>;
/** The rate table (built in, or merged with a deployment's overrides). */
export type TaxRateTable = z.output<typeof TaxRateTableSchema>;
/** A deployment's partial table, see {@link TaxRateOverridesSchema}. */
export type TaxRateOverrides = z.output<typeof TaxRateOverridesSchema>;

/**
 * The built-in table, validated when the module loads so a typo in the data file fails every
 * test and the server's start instead of producing a wrong invoice.
 */
export const TAX_RATES: TaxRateTable = TaxRateTableSchema.parse(builtInRates);

function mergeRecords<T>(
  base: Readonly<Record<string, T>> | undefined,
  patch: Readonly<Record<string, T>> | undefined,
): Record<string, T> | undefined {
  if (base === undefined && patch === undefined) return undefined;
  return { ...base, ...patch };
}

/**
 * Lays a deployment's overrides over a table (usually {@link TAX_RATES}). Pure: the inputs are not
 * changed, so one process can serve deployments with different overrides. A country left with
 * neither components nor regions is `invalid_input`.
 */
export function mergeTaxRates(table: TaxRateTable, overrides: TaxRateOverrides): TaxRateTable {
  const countries: Record<string, CountryTax> = { ...table.countries };
  for (const [code, patch] of Object.entries(overrides.countries)) {
    const base = table.countries[code];
    countries[code] = parseInput(CountryTaxSchema, {
      name: patch.name ?? base?.name ?? code,
      components: patch.components ?? base?.components,
      regions: mergeRecords(base?.regions, patch.regions),
      postalCodes: mergeRecords(base?.postalCodes, patch.postalCodes),
      postalRegions: mergeRecords(base?.postalRegions, patch.postalRegions),
    });
  }
  return {
    asOf: overrides.asOf ?? table.asOf,
    notes: table.notes,
    sources: [...(overrides.sources ?? []), ...table.sources],
    countries,
  };
}
