import { COUNTRY_CODES } from '@ledger/domain';

const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** One choice of the country list: the ISO code posted, the name people read. */
export interface CountryOption {
  code: string;
  name: string;
}

/**
 * Every country the domain accepts (its ISO 3166-1 list), named in English by
 * `Intl.DisplayNames` and sorted by that name, so a customer finds "Germany", not "DE".
 */
export const COUNTRY_OPTIONS: readonly CountryOption[] = COUNTRY_CODES.map((code) => ({
  code,
  name: names.of(code) ?? code,
})).sort((a, b) => a.name.localeCompare(b.name, 'en'));
