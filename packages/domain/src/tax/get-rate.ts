import type { Address } from '../schemas/address.js';
import { addDecimals, formatDecimal, parseDecimal } from './decimal.js';
import {
  type CountryTax,
  mergeTaxRates,
  TAX_RATES,
  type TaxComponentData,
  type TaxRateOverrides,
  type TaxRateTable,
} from './table.js';

/** The parts of an address that decide where tax is due. */
export type TaxAddress = Pick<Address, 'country' | 'state' | 'postalCode'>;

/** One levy inside a rate, with the jurisdiction that charges it ("CA" for GST in "CA-QC"). */
export interface TaxRateComponent {
  readonly name: string;
  readonly rate: string;
  readonly jurisdiction: string;
}

/**
 * The rate due at an address: `rate` is the exact decimal sum of the components; `jurisdiction`
 * is the most specific level found ("DE", "US-CA", "US-CA-94105", "CA-QC") or "unknown".
 */
export interface TaxRate {
  readonly rate: string;
  readonly jurisdiction: string;
  readonly components: ReadonlyArray<TaxRateComponent>;
}

/** The jurisdiction string for a place the table does not cover. */
export const UNKNOWN_JURISDICTION = 'unknown';

const UNKNOWN: TaxRate = { rate: '0', jurisdiction: UNKNOWN_JURISDICTION, components: [] };

interface Level {
  readonly jurisdiction: string;
  readonly region: string | undefined;
  readonly components: ReadonlyArray<TaxRateComponent>;
}

function foldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .toUpperCase();
}

function normalizePostal(postalCode: string | undefined): string {
  return (postalCode ?? '').toUpperCase().replace(/[\s-]+/g, '');
}

function longestPrefix<T>(
  entries: Readonly<Record<string, T>> | undefined,
  postal: string,
  accept: (value: T) => boolean = () => true,
): [string, T] | undefined {
  let best: [string, T] | undefined;
  for (const [key, value] of Object.entries(entries ?? {})) {
    if (postal.startsWith(key) && accept(value) && key.length > (best?.[0].length ?? 0)) {
      best = [key, value];
    }
  }
  return best;
}

/** Accepts "CA", "ca", "US-CA", "California" and "Québec" alike. */
function regionFromState(country: string, entry: CountryTax, state: string | undefined) {
  if (state === undefined || entry.regions === undefined) return undefined;
  const upper = state.trim().toUpperCase();
  const code = upper.startsWith(`${country}-`) ? upper.slice(country.length + 1) : upper;
  if (entry.regions[code]) return code;
  const folded = foldName(state);
  return Object.entries(entry.regions).find(([, region]) => foldName(region.name) === folded)?.[0];
}

function regionFromPostal(entry: CountryTax, postal: string): string | undefined {
  if (postal === '') return undefined;
  const override = longestPrefix(entry.postalCodes, postal, (o) => o.region !== undefined);
  return override?.[1].region ?? longestPrefix(entry.postalRegions, postal)?.[1];
}

function withJurisdiction(components: ReadonlyArray<TaxComponentData>, jurisdiction: string) {
  return components.map((c) => ({
    name: c.name,
    rate: formatDecimal(parseDecimal(c.rate)),
    jurisdiction: c.jurisdiction ?? jurisdiction,
  }));
}

function baseLevel(country: string, entry: CountryTax, address: TaxAddress): Level | undefined {
  const postal = normalizePostal(address.postalCode);
  const region = regionFromState(country, entry, address.state) ?? regionFromPostal(entry, postal);
  const regionEntry = region === undefined ? undefined : entry.regions?.[region];
  if (region !== undefined && regionEntry) {
    const jurisdiction = `${country}-${region}`;
    return {
      jurisdiction,
      region,
      components: withJurisdiction(regionEntry.components, jurisdiction),
    };
  }
  if (entry.components === undefined) return undefined;
  return {
    jurisdiction: country,
    region: undefined,
    components: withJurisdiction(entry.components, country),
  };
}

function refineByPostal(entry: CountryTax, level: Level, address: TaxAddress): Level {
  const postal = normalizePostal(address.postalCode);
  if (postal === '') return level;
  const match = longestPrefix(
    entry.postalCodes,
    postal,
    (o) => o.region === undefined || o.region === level.region,
  );
  if (!match) return level;
  const [key, override] = match;
  const jurisdiction = `${level.jurisdiction}-${key}`;
  const own = withJurisdiction(override.components, jurisdiction);
  return {
    jurisdiction,
    region: level.region,
    components: override.replace ? own : [...level.components, ...own],
  };
}

/**
 * The rate due at `address` according to `table`. Never throws for an unknown place: a country
 * missing from the table, or a country with regions (US, CA) whose region can be found neither in
 * `state` nor through the postal code, gives rate "0" and jurisdiction "unknown", so the caller can
 * tell "not covered" apart from a known zero rate such as "US-OR". A US address without a state is
 * deliberately not guessed at: there is no federal sales tax to fall back on.
 */
export function getRateFromTable(table: TaxRateTable, address: TaxAddress): TaxRate {
  const country = address.country.trim().toUpperCase();
  const entry = table.countries[country];
  if (!entry) return UNKNOWN;
  const base = baseLevel(country, entry, address);
  if (!base) return UNKNOWN;
  const level = refineByPostal(entry, base, address);
  return {
    rate: addDecimals(level.components.map((c) => c.rate)),
    jurisdiction: level.jurisdiction,
    components: level.components,
  };
}

/**
 * `tax.getRate(address)` from DOMAIN.md: the built-in table, optionally with a deployment's
 * overrides laid over it. Callers that look up many rates with one set of overrides can merge once
 * with `mergeTaxRates` and use {@link getRateFromTable}.
 */
export function getRate(address: TaxAddress, overrides?: TaxRateOverrides): TaxRate {
  const table = overrides ? mergeTaxRates(TAX_RATES, overrides) : TAX_RATES;
  return getRateFromTable(table, address);
}
