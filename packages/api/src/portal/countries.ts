import { COUNTRY_CODES } from '@ledger/domain';

/** One choice of the country list: the ISO code posted, the name people read. */
export interface CountryOption {
  code: string;
  name: string;
}

let options: readonly CountryOption[] | undefined;

/**
 * Every country the domain accepts (its ISO 3166-1 list), named in English by
 * `Intl.DisplayNames` and sorted by that name, so a customer finds "Germany", not "DE". Built on
 * the first page that shows the list, not at start: loading the region names costs some 30 ms.
 */
export function countryOptions(): readonly CountryOption[] {
  if (!options) {
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
    options = COUNTRY_CODES.map((code) => ({ code, name: names.of(code) ?? code })).sort((a, b) =>
      a.name.localeCompare(b.name, 'en'),
    );
  }
  return options;
}
