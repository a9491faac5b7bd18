import countries from 'i18n-iso-countries';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../errors.js';
import { parseInput } from '../validation.js';
import { AddressSchema, countrySchema, isCountryCode } from './address.js';

function refusalOf(schema: Parameters<typeof parseInput>[0], input: unknown): LedgerError {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error('input was accepted');
}

describe('country codes', () => {
  it('checks against the real ISO 3166-1 list', () => {
    const all = Object.keys(countries.getAlpha2Codes());
    expect(all.length).toBeGreaterThanOrEqual(249);
    for (const code of all) expect(isCountryCode(code)).toBe(true);
  });

  it.each([
    ['us', 'US'],
    ['De', 'DE'],
    [' jp ', 'JP'],
    ['GB', 'GB'],
  ])('accepts %j in any case and stores it as %s', (input, stored) => {
    expect(parseInput(countrySchema, input)).toBe(stored);
  });

  it.each(['USA', 'DEU', 'ZZ', 'UK', 'EU', 'U', '', '840', 'U S'])(
    'refuses %j with invalid_country',
    (code) => {
      expect(refusalOf(countrySchema, code).code).toBe('invalid_country');
    },
  );
});

describe('AddressSchema', () => {
  const address = {
    line1: ' 123 Main St ',
    line2: 'Suite 100',
    city: 'San Francisco',
    state: 'CA',
    postalCode: '94105',
    country: 'us',
  };

  it('trims lines and upper-cases the country', () => {
    expect(parseInput(AddressSchema, address)).toEqual({
      ...address,
      line1: '123 Main St',
      country: 'US',
    });
  });

  it('needs only line1 and country', () => {
    expect(parseInput(AddressSchema, { line1: 'Hauptstr. 1', country: 'de' })).toEqual({
      line1: 'Hauptstr. 1',
      country: 'DE',
    });
  });

  it('requires line1 whenever an address is given', () => {
    expect(refusalOf(AddressSchema, { country: 'US' })).toMatchObject({
      code: 'invalid_input',
      param: ['line1'],
    });
    expect(refusalOf(AddressSchema, { line1: '   ', country: 'US' }).param).toEqual(['line1']);
  });

  it('requires a country and names it when it is not on the list', () => {
    expect(refusalOf(AddressSchema, { line1: 'x' }).param).toEqual(['country']);
    expect(refusalOf(AddressSchema, { line1: 'x', country: 'USA' })).toMatchObject({
      code: 'invalid_country',
      param: ['country'],
    });
  });

  it('refuses unknown fields, naming them', () => {
    expect(refusalOf(AddressSchema, { ...address, zip: '94105' })).toMatchObject({
      code: 'invalid_input',
      param: ['zip'],
    });
  });

  it('bounds the length of every line', () => {
    expect(refusalOf(AddressSchema, { ...address, line1: 'x'.repeat(257) }).param).toEqual([
      'line1',
    ]);
    expect(refusalOf(AddressSchema, { ...address, postalCode: '9'.repeat(33) }).param).toEqual([
      'postalCode',
    ]);
  });
});
