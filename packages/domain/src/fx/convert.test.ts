import { describe, expect, it } from 'vitest';
import { convert } from './convert.js';
import { FxRatesOverrideSchema, mergeFxRates, REFERENCE_FX_TABLE } from './table.js';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('convert with the reference table', () => {
  it('holds the seed example: USD 49.99 at 0.94 is EUR 46.99', () => {
    expect(convert(usd(4999), 'EUR')).toEqual({
      amount: eur(4699),
      from: 'USD',
      rate: '0.94',
      exactRate: '0.94',
      source: REFERENCE_FX_TABLE.source,
      asOf: REFERENCE_FX_TABLE.asOf,
    });
  });

  it('is the identity with rate 1 for the same currency', () => {
    expect(convert(eur(4699), 'eur')).toMatchObject({ amount: eur(4699), rate: '1', from: 'EUR' });
  });

  it('rounds half to even', () => {
    expect(convert(usd(25), 'EUR').amount).toEqual(eur(24)); // 23.5
    expect(convert(usd(75), 'EUR').amount).toEqual(eur(70)); // 70.5
    expect(convert(usd(-25), 'EUR').amount).toEqual(eur(-24));
    expect(convert(usd(-75), 'EUR').amount).toEqual(eur(-70));
    expect(convert(usd(26), 'EUR').amount).toEqual(eur(24)); // 24.44
  });

  it('respects each currency’s minor unit', () => {
    // 49.99 USD × 150 = 7498.5 JPY (ties to the even 7498); 50.01 × 150 = 7501.5 → 7502.
    expect(convert(usd(4999), 'JPY').amount).toEqual({ amount: 7498, currency: 'JPY' });
    expect(convert(usd(5001), 'JPY').amount).toEqual({ amount: 7502, currency: 'JPY' });
    // 49.99 USD × 0.3075 = 15.371925 KWD = 15371.925 fils.
    expect(convert(usd(4999), 'KWD').amount).toEqual({ amount: 15372, currency: 'KWD' });
    // 7498 JPY back to USD: 7498 / 150 = 49.9866… USD.
    expect(convert({ amount: 7498, currency: 'JPY' }, 'USD').amount).toEqual(usd(4999));
  });

  it('crosses through the base as an exact fraction', () => {
    const result = convert(eur(10_000), 'GBP'); // 100 × 0.79 / 0.94 = 84.0425…
    expect(result).toMatchObject({
      amount: { amount: 8404, currency: 'GBP' },
      exactRate: '79/94',
      rate: '0.840425531915',
    });
    expect(convert(eur(4699), 'USD')).toMatchObject({ amount: usd(4999), exactRate: '50/47' });
  });

  it('refuses unknown currencies and currencies without a rate', () => {
    expect(() => convert(usd(100), 'XYZ')).toThrow(
      expect.objectContaining({ code: 'invalid_currency' }),
    );
    expect(() => convert(usd(100), 'VND')).toThrow(
      expect.objectContaining({
        code: 'invalid_currency',
        details: expect.objectContaining({ missing: 'VND' }),
      }),
    );
    expect(() => convert({ amount: 100, currency: 'VND' }, 'USD')).toThrow(
      expect.objectContaining({ code: 'invalid_currency', param: ['currency'] }),
    );
  });

  it('refuses fractional amounts and results beyond the storable range', () => {
    expect(() => convert(usd(1.5), 'EUR')).toThrow(
      expect.objectContaining({ code: 'invalid_amount' }),
    );
    expect(() => convert(usd(Number.MAX_SAFE_INTEGER), 'IDR')).toThrow(
      expect.objectContaining({ code: 'balance_out_of_range' }),
    );
    expect(convert(usd(999_999_999_999), 'EUR').amount).toEqual(eur(939_999_999_999));
  });
});

describe('tenant overrides', () => {
  it('replaces the reference rate in the same base and records its provenance', () => {
    const table = mergeFxRates(REFERENCE_FX_TABLE, {
      base: 'USD',
      rates: { EUR: '0.95' },
      source: 'Acme treasury',
      asOf: '2026-11-01',
    });
    expect(convert(usd(4999), 'EUR', table)).toMatchObject({
      amount: eur(4749), // 47.4905
      rate: '0.95',
      source: 'Acme treasury',
      asOf: '2026-11-01',
    });
    expect(convert(usd(4999), 'GBP', table).source).toBe(REFERENCE_FX_TABLE.source);
    expect(convert(usd(4999), 'EUR').amount).toEqual(eur(4699));
  });

  it('names both legs when a cross rate mixes tenant and reference quotes', () => {
    const table = mergeFxRates(REFERENCE_FX_TABLE, { base: 'USD', rates: { EUR: '0.95' } });
    expect(convert(eur(100), 'GBP', table)).toMatchObject({
      source: `tenant override / ${REFERENCE_FX_TABLE.source}`,
      asOf: `unspecified / ${REFERENCE_FX_TABLE.asOf}`,
    });
  });

  it('rebases rates given in another base through the reference rate of that base', () => {
    const table = mergeFxRates(REFERENCE_FX_TABLE, { base: 'EUR', rates: { GBP: '0.85' } });
    expect(table.quotes.GBP?.rate).toBe('0.799'); // 0.85 × 0.94
    expect(convert(eur(10_000), 'GBP', table).amount).toEqual({ amount: 8500, currency: 'GBP' });
    expect(convert(usd(10_000), 'GBP', table).amount).toEqual({ amount: 7990, currency: 'GBP' });
  });

  it('rebases through the tenant’s own rate for the reference base when given', () => {
    const table = mergeFxRates(REFERENCE_FX_TABLE, {
      base: 'eur',
      rates: { usd: '1.08', gbp: '0.85' },
    });
    expect(table.quotes.EUR?.rate).toBe('25/27');
    expect(convert(eur(10_000), 'USD', table).amount).toEqual(usd(10_800));
    expect(convert(eur(10_000), 'GBP', table).amount).toEqual({ amount: 8500, currency: 'GBP' });
    expect(convert(usd(10_000), 'EUR', table)).toMatchObject({
      amount: eur(9259), // 9259.259…
      exactRate: '25/27',
      rate: '0.925925925926',
    });
  });

  it('refuses a base it cannot rebase and a base priced against itself', () => {
    expect(() =>
      mergeFxRates(REFERENCE_FX_TABLE, { base: 'VND', rates: { EUR: '0.00004' } }),
    ).toThrow(expect.objectContaining({ code: 'invalid_currency' }));
    expect(() => mergeFxRates(REFERENCE_FX_TABLE, { base: 'USD', rates: { USD: '2' } })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
  });
});

describe('FxRatesOverrideSchema', () => {
  it('normalises currency codes and accepts positive decimal strings', () => {
    expect(FxRatesOverrideSchema.parse({ base: 'usd', rates: { eur: '0.94' } })).toEqual({
      base: 'USD',
      rates: { EUR: '0.94' },
    });
  });

  it('refuses numbers, zero, negatives, exponents and unknown codes', () => {
    for (const rates of [
      { EUR: 0.94 },
      { EUR: '0' },
      { EUR: '0.000' },
      { EUR: '-0.94' },
      { EUR: '9.4e-1' },
      { XYZ: '1.2' },
    ]) {
      expect(
        FxRatesOverrideSchema.safeParse({ base: 'USD', rates }).success,
        JSON.stringify(rates),
      ).toBe(false);
    }
    expect(FxRatesOverrideSchema.safeParse({ base: 'XYZ', rates: {} }).success).toBe(false);
  });
});
