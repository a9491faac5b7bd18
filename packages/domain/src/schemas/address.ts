// The package's index alone: its main entry also registers every language's country names (78
// JSON files, 600 KB read at every start), and only the alpha-2 list is used here.
import countries from 'i18n-iso-countries/index.js';
import { z } from 'zod';

const ALPHA2 = new Set(Object.keys(countries.getAlpha2Codes()));

/**
 * Every ISO 3166-1 alpha-2 code {@link countrySchema} accepts, sorted: forms offer exactly the
 * list the domain validates against, so a country picked from a list is never refused.
 */
export const COUNTRY_CODES: readonly string[] = [...ALPHA2].sort();

/** True for an ISO 3166-1 alpha-2 code on the real list (upper case). */
export function isCountryCode(code: string): boolean {
  return ALPHA2.has(code);
}

/** ISO 3166-1 alpha-2, accepted in any case, stored upper-case, checked against the real list. */
export const countrySchema = z
  .string()
  .trim()
  .transform((code) => code.toUpperCase())
  .refine(isCountryCode, {
    message: 'must be an ISO 3166-1 alpha-2 country code',
    params: { ledgerCode: 'invalid_country' },
  })
  .meta({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 country code (any case)' });

const optionalLine = z.string().trim().max(256).optional();

/**
 * A billing address. It decides the tax jurisdiction (country, state, postal code), so the
 * country is required and validated; `line1` is required whenever an address is given.
 */
export const AddressSchema = z.strictObject({
  line1: z.string().trim().min(1).max(256),
  line2: optionalLine,
  city: optionalLine,
  state: z.string().trim().max(64).optional(),
  postalCode: z.string().trim().max(32).optional(),
  country: countrySchema,
});

/** A validated billing address (country upper-case). */
export type Address = z.output<typeof AddressSchema>;
