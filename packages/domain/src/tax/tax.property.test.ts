import { dinero, halfAwayFromZero, multiply, toSnapshot, transformScale } from 'dinero.js';
import { EUR } from 'dinero.js/currencies';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calculateTax, taxOn } from './calculate.js';
import { formatDecimal, parseDecimal } from './decimal.js';
import { getRate } from './get-rate.js';
import { TAX_RATES } from './table.js';

const MAX_INPUT = 999_999_999_999;
const inputAmount = fc.integer({ min: -MAX_INPUT, max: MAX_INPUT });
const safeAmount = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

/** Every rate the shipped table can produce, country by country and region by region. */
const tableRates = [
  ...new Set(
    Object.entries(TAX_RATES.countries).flatMap(([country, entry]) => [
      getRate({ country }).rate,
      ...Object.keys(entry.regions ?? {}).map((state) => getRate({ country, state }).rate),
      ...Object.keys(entry.postalCodes ?? {}).map((postalCode) => {
        const region = entry.postalCodes?.[postalCode]?.region;
        return getRate({ country, state: region, postalCode }).rate;
      }),
    ]),
  ),
];

/** Any rate from 0 to 1 with up to six decimals, plus the real ones. */
const rate = fc.oneof(
  fc.constantFrom(...tableRates),
  fc
    .integer({ min: 0, max: 6 })
    .chain((scale) =>
      fc
        .integer({ min: 0, max: 10 ** scale })
        .map((units) => formatDecimal({ units: BigInt(units), scale })),
    ),
);

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const tax = (amount: number, r: string) => taxOn(eur(amount), r).amount;

describe('tax properties', () => {
  it('is an integer within half a minor unit of the exact product, ties away from zero', () => {
    fc.assert(
      fc.property(safeAmount, rate, (amount, r) => {
        const result = tax(amount, r);
        expect(Number.isSafeInteger(result)).toBe(true);
        const { units, scale } = parseDecimal(r);
        const denominator = 10n ** BigInt(scale);
        const error = BigInt(result) * denominator - BigInt(amount) * units; // × denominator
        const twice = 2n * (error < 0n ? -error : error);
        expect(twice <= denominator).toBe(true);
        if (twice === denominator) expect(error > 0n === amount > 0).toBe(true);
      }),
    );
  });

  it('never exceeds the subtotal in magnitude, so it never leaves the safe range', () => {
    fc.assert(
      fc.property(safeAmount, rate, (amount, r) => {
        expect(Math.abs(tax(amount, r))).toBeLessThanOrEqual(Math.abs(amount));
      }),
    );
  });

  it('is monotonic in the subtotal', () => {
    fc.assert(
      fc.property(inputAmount, inputAmount, rate, (a, b, r) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(tax(low, r)).toBeLessThanOrEqual(tax(high, r));
      }),
    );
  });

  it('is sign-symmetric', () => {
    fc.assert(
      fc.property(safeAmount, rate, (amount, r) => {
        expect(tax(-amount, r) + tax(amount, r)).toBe(0);
      }),
    );
  });

  it('loses or creates at most one minor unit when one sum is taxed instead of two', () => {
    fc.assert(
      fc.property(inputAmount, inputAmount, rate, (a, b, r) => {
        expect(Math.abs(tax(a + b, r) - tax(a, r) - tax(b, r))).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('agrees with dinero.js multiply + transformScale(halfAwayFromZero)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), rate, (amount, r) => {
        const { units, scale } = parseDecimal(r);
        const product = multiply(dinero({ amount, currency: EUR }), {
          amount: Number(units),
          scale,
        });
        const expected = toSnapshot(transformScale(product, 2, halfAwayFromZero)).amount;
        expect(tax(amount, r)).toBe(expected === 0 ? 0 : expected);
      }),
    );
  });

  it('calculateTax charges exactly taxOn(subtotal, rate) when taxable, and zero otherwise', () => {
    const countries = Object.keys(TAX_RATES.countries);
    fc.assert(
      fc.property(
        inputAmount,
        fc.constantFrom(...countries, 'BR', 'US'),
        fc.constantFrom('none', 'exempt', 'reverse') as fc.Arbitrary<'none' | 'exempt' | 'reverse'>,
        fc.boolean(),
        (amount, country, taxExempt, hasEuVat) => {
          const result = calculateTax({
            subtotal: eur(amount),
            address: { line1: 'x', country },
            taxExempt,
            taxIds: hasEuVat ? [{ type: 'eu_vat', value: 'X1' }] : [],
            originCountry: 'DE',
          });
          if (result.reason === 'taxable') {
            expect(result.amount).toEqual(taxOn(eur(amount), getRate({ country }).rate));
          } else {
            expect(result.amount.amount).toBe(0);
            expect(result.rate).toBe('0');
          }
        },
      ),
    );
  });
});
