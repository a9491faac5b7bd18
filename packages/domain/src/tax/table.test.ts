import { describe, expect, it } from 'vitest';
import { compareDecimals } from './decimal.js';
import { EU_MEMBER_STATES } from './eu.js';
import { getRate } from './get-rate.js';
import { TAX_RATES, TaxRateOverridesSchema, TaxRateTableSchema } from './table.js';

// Standard rates in force on the data's as-of date, checked by hand against the EU TEDB.
const EU_STANDARD: Record<string, string> = {
  AT: '0.2',
  BE: '0.21',
  BG: '0.2',
  CY: '0.19',
  CZ: '0.21',
  DE: '0.19',
  DK: '0.25',
  EE: '0.24',
  ES: '0.21',
  FI: '0.255',
  FR: '0.2',
  GR: '0.24',
  HR: '0.25',
  HU: '0.27',
  IE: '0.23',
  IT: '0.22',
  LT: '0.21',
  LU: '0.17',
  LV: '0.21',
  MT: '0.18',
  NL: '0.21',
  PL: '0.23',
  PT: '0.23',
  RO: '0.21',
  SE: '0.25',
  SI: '0.22',
  SK: '0.23',
};

const US_STATES = [
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN',
  'MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA',
  'WV WI WY',
]
  .join(' ')
  .split(' ');

const CA_PROVINCES = ['AB', 'BC', 'MB', 'NB', 'NL', 'NS', 'NT', 'NU', 'ON', 'PE', 'QC', 'SK', 'YT'];

describe('the shipped rate table', () => {
  it('validates against its own schema and names its as-of date and sources', () => {
    expect(TaxRateTableSchema.safeParse(TAX_RATES).success).toBe(true);
    expect(TAX_RATES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(TAX_RATES.sources.length).toBeGreaterThan(5);
  });

  it('has every EU member standard rate', () => {
    expect(EU_MEMBER_STATES.size).toBe(27);
    for (const code of EU_MEMBER_STATES) {
      expect(getRate({ country: code }), code).toEqual({
        rate: EU_STANDARD[code],
        jurisdiction: code,
        components: [{ name: 'VAT', rate: EU_STANDARD[code], jurisdiction: code }],
      });
    }
  });

  it('covers GB, CH, NO, AU, NZ, IN, JP and SG', () => {
    const expected = { GB: '0.2', CH: '0.081', NO: '0.25', AU: '0.1', NZ: '0.15', IN: '0.18' };
    for (const [code, rate] of Object.entries({ ...expected, JP: '0.1', SG: '0.09' })) {
      expect(getRate({ country: code }).rate, code).toBe(rate);
    }
  });

  it('covers all 50 US states and DC, and every Canadian province and territory', () => {
    expect(Object.keys(TAX_RATES.countries.US?.regions ?? {}).sort()).toEqual(
      [...US_STATES].sort(),
    );
    expect(Object.keys(TAX_RATES.countries.CA?.regions ?? {}).sort()).toEqual(CA_PROVINCES);
    for (const state of US_STATES) {
      expect(getRate({ country: 'US', state }).jurisdiction).toBe(`US-${state}`);
    }
  });

  it('keeps every rate within sane bounds and every postal entry tied to a real region', () => {
    for (const [code, country] of Object.entries(TAX_RATES.countries)) {
      for (const [key, entry] of Object.entries(country.postalCodes ?? {})) {
        if (country.regions)
          expect(country.regions[entry.region ?? ''], `${code}-${key}`).toBeDefined();
      }
      for (const region of Object.values(country.postalRegions ?? {})) {
        expect(country.regions?.[region], `${code} ${region}`).toBeDefined();
      }
      for (const region of Object.keys(country.regions ?? {})) {
        const rate = getRate({ country: code, state: region }).rate;
        expect(compareDecimals(rate, '0.3') <= 0, `${code}-${region}`).toBe(true);
      }
    }
  });
});

describe('TaxRateOverridesSchema', () => {
  const withRate = (rate: unknown) => ({
    countries: { DE: { components: [{ name: 'VAT', rate }] } },
  });

  it('accepts decimal-string rates between 0 and 1', () => {
    expect(TaxRateOverridesSchema.safeParse(withRate('0.16')).success).toBe(true);
    expect(TaxRateOverridesSchema.safeParse(withRate('0')).success).toBe(true);
    expect(TaxRateOverridesSchema.safeParse(withRate('1')).success).toBe(true);
  });

  it('refuses floats, malformed strings, negative and over-100% rates', () => {
    for (const rate of [0.16, '1.5', '-0.1', '0.1.6', '.16', '16%', '1e-1']) {
      expect(TaxRateOverridesSchema.safeParse(withRate(rate)).success, String(rate)).toBe(false);
    }
  });

  it('refuses lower-case country keys', () => {
    const input = { countries: { de: { components: [] } } };
    expect(TaxRateOverridesSchema.safeParse(input).success).toBe(false);
  });
});
