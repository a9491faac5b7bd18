import { checkVAT, unitedKingdom } from 'jsvat';
import {
  abnChecksumOk,
  chUidChecksumOk,
  gstinChecksumOk,
  luhnOk,
  noOrgNumberChecksumOk,
  nzIrdChecksumOk,
} from './checksums.js';
import { canonicalEuVat, euVatChecksumOk, euVatCountry, euVatShapeError } from './eu-vat.js';
import { stripSeparators } from './normalise.js';
import type { TaxIdType } from './types.js';

/**
 * Everything Ledger knows offline about one tax id scheme. Splitting normalise / shape / checksum
 * mirrors the domain rule: a wrong shape is refused, a wrong checksum is only recorded.
 */
export interface TaxIdScheme {
  /** Raw caller input to the canonical stored form (may still be of the wrong shape). */
  normalise(raw: string): string;
  /** Why a normalised value cannot be a number of this scheme ("must be …"), or undefined. */
  shapeError(value: string): string | undefined;
  /** Whether the check digits of a well-shaped value add up; absent for schemes without one. */
  checksumOk?(value: string): boolean;
  /** ISO 3166-1 alpha-2 country of a normalised value (undefined when it cannot be told). */
  country(value: string): string | undefined;
}

function dropPrefix(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}

function dropSuffix(value: string, suffix: string): string {
  return value.endsWith(suffix) ? value.slice(0, -suffix.length) : value;
}

function shapeIs(pattern: RegExp, message: string): (value: string) => string | undefined {
  return (value) => (pattern.test(value) ? undefined : message);
}

function fixedCountry(country: string): (value: string) => string {
  return () => country;
}

const CH_VAT_SUFFIXES = ['MWST', 'TVA', 'IVA', 'TPV'] as const;

/**
 * The supported schemes. Canonical stored forms (separators stripped, upper case):
 * - `eu_vat`: country prefix + number, e.g. `DE136695976`, `ATU13585627`, `EL094279805`,
 *   `NL004495445B01`, `XI980780684` (GR typed by the caller becomes EL).
 * - `gb_vat`: `GB` + 9 or 12 digits or GD/HA + 3 digits, e.g. `GB980780684` (prefix added when
 *   missing).
 * - `us_ein`: 9 digits, e.g. `911144442` (written `91-1144442`).
 * - `au_abn`: 11 digits, e.g. `51824753556`.
 * - `in_gst`: 15 characters, e.g. `27AAPFU0939F1ZV`.
 * - `ca_bn`: 9 digits, or 9 digits + program account (2 letters + 4 digits), e.g.
 *   `123026635` or `123026635RT0001`.
 * - `ch_vat`: `CHE` + 9 digits + language suffix (MWST, TVA, IVA or TPV; MWST when none was
 *   given), e.g. `CHE107787577IVA` for `CHE-107.787.577 IVA`.
 * - `no_vat`: `NO` + 9 digits + `MVA`, e.g. `NO995525828MVA` (prefix and suffix added).
 * - `nz_gst`: 9 digits, 8-digit numbers padded with a leading 0, e.g. `049091850`.
 */
export const TAX_ID_SCHEMES: Readonly<Record<TaxIdType, TaxIdScheme>> = {
  eu_vat: {
    normalise: (raw) => canonicalEuVat(stripSeparators(raw)),
    shapeError: euVatShapeError,
    checksumOk: euVatChecksumOk,
    country: euVatCountry,
  },
  gb_vat: {
    normalise: (raw) => `GB${dropPrefix(stripSeparators(raw), 'GB')}`,
    shapeError: shapeIs(
      /^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
      'must be GB + 9 or 12 digits, or GB + GD/HA + 3 digits',
    ),
    checksumOk: (value) => checkVAT(value, [unitedKingdom]).isValid,
    country: fixedCountry('GB'),
  },
  us_ein: {
    // A dash is only allowed as NN-NNNNNNN: "123-45-6789" is a social security number, so it is
    // kept (and refused by the shape) instead of being stripped into a plausible EIN.
    normalise: (raw) => {
      const value = raw.replace(/\s+/g, '');
      return !value.includes('-') || /^\d{2}-\d{7}$/.test(value) ? stripSeparators(value) : value;
    },
    shapeError: shapeIs(/^\d{9}$/, 'must be 9 digits, written NN-NNNNNNN'),
    country: fixedCountry('US'),
  },
  au_abn: {
    normalise: (raw) => dropPrefix(stripSeparators(raw), 'ABN'),
    shapeError: shapeIs(/^\d{11}$/, 'must be 11 digits'),
    checksumOk: abnChecksumOk,
    country: fixedCountry('AU'),
  },
  in_gst: {
    normalise: (raw) => stripSeparators(raw),
    // State code, then a PAN (AAAAA9999A), a TAN (AAAA99999A, tax deductors) or a country code
    // and serial (99AAA99999, UN bodies and foreign online services), then 3 characters.
    shapeError: shapeIs(
      /^\d{2}([A-Z]{5}\d{4}[A-Z]|[A-Z]{4}\d{5}[A-Z]|\d{2}[A-Z]{3}\d{5})[1-9A-Z][0-9A-Z]{2}$/,
      'must be 15 characters: 2-digit state code, 10-character PAN, entity code, Z, check',
    ),
    checksumOk: gstinChecksumOk,
    country: fixedCountry('IN'),
  },
  ca_bn: {
    normalise: (raw) => stripSeparators(raw),
    shapeError: shapeIs(
      /^\d{9}([A-Z]{2}\d{4})?$/,
      'must be 9 digits, optionally followed by a program account such as RT0001',
    ),
    checksumOk: (value) => luhnOk(value.slice(0, 9)),
    country: fixedCountry('CA'),
  },
  ch_vat: {
    normalise: (raw) => {
      const value = stripSeparators(raw);
      const hasSuffix = CH_VAT_SUFFIXES.some((suffix) => value.endsWith(suffix));
      return hasSuffix || !/^CHE\d{9}$/.test(value) ? value : `${value}MWST`;
    },
    shapeError: shapeIs(
      /^CHE\d{9}(MWST|TVA|IVA|TPV)$/,
      'must be CHE + 9 digits + MWST, TVA, IVA or TPV (e.g. CHE-123.456.789 MWST)',
    ),
    checksumOk: (value) => chUidChecksumOk(value.slice(3, 12)),
    country: fixedCountry('CH'),
  },
  no_vat: {
    normalise: (raw) => `NO${dropSuffix(dropPrefix(stripSeparators(raw), 'NO'), 'MVA')}MVA`,
    shapeError: shapeIs(/^NO\d{9}MVA$/, 'must be 9 digits, optionally written NO 999 999 999 MVA'),
    checksumOk: (value) => noOrgNumberChecksumOk(value.slice(2, 11)),
    country: fixedCountry('NO'),
  },
  nz_gst: {
    normalise: (raw) => {
      const value = dropPrefix(stripSeparators(raw), 'NZ');
      return /^\d{8}$/.test(value) ? `0${value}` : value;
    },
    shapeError: shapeIs(/^\d{9}$/, 'must be 8 or 9 digits'),
    checksumOk: nzIrdChecksumOk,
    country: fixedCountry('NZ'),
  },
};
