import { belgium, type Country, checkVAT, countries, unitedKingdom } from 'jsvat';

/** The shape of one EU member's VAT number, after its two-letter prefix. */
interface EuVatFormat {
  /** ISO 3166-1 alpha-2 country the number belongs to (GR for the EL prefix, GB for XI). */
  country: string;
  /** English name, for error messages. */
  name: string;
  /** The part after the prefix, normalised. */
  body: RegExp;
  /** The shape in words, for error messages. */
  shape: string;
}

function euFormat(country: string, name: string, body: RegExp, shape: string): EuVatFormat {
  return { country, name, body, shape };
}

/**
 * VIES formats per VAT prefix: the 27 EU members (Greece uses EL) plus XI, Northern Ireland's
 * VAT prefix for trade in goods under the Windsor Framework. Deliberately as loose as the
 * official formats and no looser: anything matching is accepted and only then checksum-checked,
 * so a stricter rule here would wrongly refuse real numbers.
 */
const EU_VAT_FORMATS: Readonly<Record<string, EuVatFormat>> = {
  AT: euFormat('AT', 'Austria', /^U\d{8}$/, 'ATU + 8 digits'),
  BE: euFormat('BE', 'Belgium', /^[01]\d{9}$/, 'BE + 10 digits starting with 0 or 1'),
  BG: euFormat('BG', 'Bulgaria', /^\d{9,10}$/, 'BG + 9 or 10 digits'),
  CY: euFormat('CY', 'Cyprus', /^\d{8}[A-Z]$/, 'CY + 8 digits + 1 letter'),
  CZ: euFormat('CZ', 'Czechia', /^\d{8,10}$/, 'CZ + 8 to 10 digits'),
  DE: euFormat('DE', 'Germany', /^\d{9}$/, 'DE + 9 digits'),
  DK: euFormat('DK', 'Denmark', /^\d{8}$/, 'DK + 8 digits'),
  EE: euFormat('EE', 'Estonia', /^\d{9}$/, 'EE + 9 digits'),
  EL: euFormat('GR', 'Greece', /^\d{9}$/, 'EL + 9 digits'),
  ES: euFormat(
    'ES',
    'Spain',
    /^([A-Z]\d{7}[A-Z0-9]|\d{8}[A-Z])$/,
    'ES + 9 characters: a letter or digit, 7 digits, a letter or digit (not all digits)',
  ),
  FI: euFormat('FI', 'Finland', /^\d{8}$/, 'FI + 8 digits'),
  FR: euFormat(
    'FR',
    'France',
    /^[0-9A-HJ-NP-Z]{2}\d{9}$/,
    'FR + 2 digits or letters (not I or O) + 9 digits',
  ),
  HR: euFormat('HR', 'Croatia', /^\d{11}$/, 'HR + 11 digits'),
  HU: euFormat('HU', 'Hungary', /^\d{8}$/, 'HU + 8 digits'),
  IE: euFormat(
    'IE',
    'Ireland',
    /^(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$/,
    'IE + 7 digits + 1 or 2 letters, or the old form digit, letter, 5 digits, letter',
  ),
  IT: euFormat('IT', 'Italy', /^\d{11}$/, 'IT + 11 digits'),
  LT: euFormat('LT', 'Lithuania', /^(\d{9}|\d{12})$/, 'LT + 9 or 12 digits'),
  LU: euFormat('LU', 'Luxembourg', /^\d{8}$/, 'LU + 8 digits'),
  LV: euFormat('LV', 'Latvia', /^\d{11}$/, 'LV + 11 digits'),
  MT: euFormat('MT', 'Malta', /^\d{8}$/, 'MT + 8 digits'),
  NL: euFormat('NL', 'Netherlands', /^\d{9}B\d{2}$/, 'NL + 9 digits + B + 2 digits'),
  PL: euFormat('PL', 'Poland', /^\d{10}$/, 'PL + 10 digits'),
  PT: euFormat('PT', 'Portugal', /^\d{9}$/, 'PT + 9 digits'),
  RO: euFormat('RO', 'Romania', /^[1-9]\d{1,9}$/, 'RO + 2 to 10 digits, not starting with 0'),
  SE: euFormat('SE', 'Sweden', /^\d{12}$/, 'SE + 12 digits'),
  SI: euFormat('SI', 'Slovenia', /^\d{8}$/, 'SI + 8 digits'),
  SK: euFormat('SK', 'Slovakia', /^\d{10}$/, 'SK + 10 digits'),
  XI: euFormat(
    'GB',
    'Northern Ireland',
    /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
    'XI + 9 or 12 digits, or XI + GD/HA + 3 digits',
  ),
};

/** Every accepted `eu_vat` prefix, in a stable order (for messages and tests). */
export const EU_VAT_PREFIXES: readonly string[] = Object.keys(EU_VAT_FORMATS);

/**
 * Brings a stripped, upper-cased `eu_vat` value to its canonical form: `GR` (the ISO code people
 * often type) becomes `EL` (the prefix VIES uses), an old 9-digit Belgian number gets its leading
 * 0, and an old 8-digit Greek number its leading 0, so one registration has one stored value.
 */
export function canonicalEuVat(stripped: string): string {
  const value = stripped.startsWith('GR') ? `EL${stripped.slice(2)}` : stripped;
  const prefix = value.slice(0, 2);
  const body = value.slice(2);
  if (prefix === 'BE' && /^\d{9}$/.test(body)) return `BE0${body}`;
  if (prefix === 'EL' && /^\d{8}$/.test(body)) return `EL0${body}`;
  return value;
}

/**
 * Why a canonical `eu_vat` value cannot be a VAT number of the country it names, or undefined
 * when its shape is right. The prefix decides the country, so an unknown prefix is refused too.
 */
export function euVatShapeError(value: string): string | undefined {
  const format = EU_VAT_FORMATS[value.slice(0, 2)];
  if (!format) {
    return `must start with an EU VAT country prefix (${EU_VAT_PREFIXES.join(', ')}; Greece is EL)`;
  }
  if (!format.body.test(value.slice(2))) {
    return `${format.name} VAT numbers are ${format.shape}`;
  }
  return undefined;
}

function jsvatCountry(isoCode: string): Country | undefined {
  return countries.find((country) => country.codes[0] === isoCode);
}

/**
 * Whether a well-shaped canonical `eu_vat` value passes its country's check-digit rule, using
 * jsvat's per-country algorithms. Northern Ireland (XI) numbers are UK numbers, so they use the
 * UK rule. Belgian numbers starting with 1 (issued since 2023) fail jsvat's older pattern but not
 * its mod 97 rule, so the rule is applied to them directly.
 */
export function euVatChecksumOk(value: string): boolean {
  const prefix = value.slice(0, 2);
  const body = value.slice(2);
  if (prefix === 'XI') return checkVAT(`GB${body}`, [unitedKingdom]).isValid;
  if (prefix === 'BE') return belgium.calcFn(body);
  const format = EU_VAT_FORMATS[prefix];
  const country = format ? jsvatCountry(format.country) : undefined;
  return country ? checkVAT(value, [country]).isValid : false;
}

/**
 * The ISO 3166-1 alpha-2 country a stripped `eu_vat` value belongs to, read from its prefix (EL and
 * GR give GR, XI gives GB); undefined for a prefix that is not an EU VAT prefix.
 */
export function euVatCountry(value: string): string | undefined {
  return EU_VAT_FORMATS[canonicalEuVat(value).slice(0, 2)]?.country;
}
