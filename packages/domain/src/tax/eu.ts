/**
 * The 27 EU member states (ISO 3166-1 alpha-2; Greece is GR here, although its VAT numbers start
 * with EL). Membership decides the intra-EU reverse charge, so it is a fixed legal list rather than
 * something derived from which countries happen to have a rate in the table.
 */
export const EU_MEMBER_STATES: ReadonlySet<string> = new Set([
  'AT',
  'BE',
  'BG',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'HU',
  'IE',
  'IT',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK',
]);

/** True when `country` (any case) is an EU member state. */
export function isEuMember(country: string): boolean {
  return EU_MEMBER_STATES.has(country.trim().toUpperCase());
}
