import { dinero, convert as dineroConvert, halfEven, toSnapshot, transformScale } from 'dinero.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLedgerError } from '../errors.js';
import { currencyOf } from '../money.js';
import { formatDecimal, parseDecimal } from '../tax/decimal.js';
import { convert } from './convert.js';
import { divideRational, formatRational, parseRational, type Rational } from './rational.js';
import { type FxTable, mergeFxRates, REFERENCE_FX_TABLE } from './table.js';

const MAX_INPUT = 999_999_999_999;
const amount = fc.integer({ min: -MAX_INPUT, max: MAX_INPUT });
/** Small enough that no pair in the reference table leaves the safe range (ISK → IDR ≈ ×11 569). */
const moderate = fc.integer({ min: -100_000_000_000, max: 100_000_000_000 });
const codes = [REFERENCE_FX_TABLE.base, ...Object.keys(REFERENCE_FX_TABLE.quotes)];
const code = fc.constantFrom(...codes);

const minor = (c: string) => 10n ** BigInt(currencyOf(c).exponent);

function rateOf(table: FxTable, c: string): Rational {
  const quote = table.quotes[c];
  return quote ? parseRational(quote.rate) : { num: 1n, den: 1n };
}

/** The exact target amount as numerator / denominator, denominator > 0. */
function exact(table: FxTable, value: number, from: string, to: string) {
  const r = divideRational(rateOf(table, to), rateOf(table, from));
  return { num: BigInt(value) * r.num * minor(to), den: r.den * minor(from) };
}

/** Checks the rounding contract: within half a unit of exact, ties to even; or refused as too big. */
function checkConversion(table: FxTable, value: number, from: string, to: string): void {
  const { num, den } = exact(table, value, from, to);
  let result: number;
  try {
    result = convert({ amount: value, currency: from }, to, table).amount.amount;
  } catch (error) {
    expect(isLedgerError(error, 'balance_out_of_range')).toBe(true);
    const magnitude = num < 0n ? -num : num;
    expect(magnitude > BigInt(Number.MAX_SAFE_INTEGER) * den).toBe(true);
    return;
  }
  expect(Number.isSafeInteger(result)).toBe(true);
  const error = BigInt(result) * den - num;
  const twice = 2n * (error < 0n ? -error : error);
  expect(twice <= den).toBe(true);
  if (twice === den) expect(BigInt(result) % 2n).toBe(0n);
}

const positiveRate = fc
  .tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 6 }))
  .map(([units, scale]) => formatDecimal({ units: BigInt(units), scale }));

const overrideTable = fc
  .tuple(code, fc.dictionary(code, positiveRate, { minKeys: 1, maxKeys: 6 }))
  .map(([base, rates]) => {
    const { [base]: _self, ...others } = rates;
    return { base, rates: others };
  });

describe('conversion properties', () => {
  it('is an integer within half a minor unit of the exact value, ties to even', () => {
    fc.assert(
      fc.property(amount, code, code, (value, from, to) => {
        checkConversion(REFERENCE_FX_TABLE, value, from, to);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the contract for any tenant override table', () => {
    fc.assert(
      fc.property(overrideTable, amount, code, code, (override, value, from, to) => {
        const table = mergeFxRates(REFERENCE_FX_TABLE, override);
        checkConversion(table, value, from, to);
      }),
      { numRuns: 300 },
    );
  });

  it('rebasing an override keeps its own cross rates exact', () => {
    fc.assert(
      fc.property(overrideTable, (override) => {
        const table = mergeFxRates(REFERENCE_FX_TABLE, override);
        const inBase = (c: string) =>
          c === override.base ? { num: 1n, den: 1n } : parseRational(override.rates[c] ?? '1');
        for (const from of [override.base, ...Object.keys(override.rates)]) {
          for (const to of Object.keys(override.rates)) {
            if (from === to) continue;
            const expected = formatRational(divideRational(inBase(to), inBase(from)));
            expect(convert({ amount: 0, currency: from }, to, table).exactRate).toBe(expected);
          }
        }
      }),
    );
  });

  it('is monotonic and sign-symmetric', () => {
    fc.assert(
      fc.property(moderate, moderate, code, code, (a, b, from, to) => {
        const run = (v: number) => convert({ amount: v, currency: from }, to).amount.amount;
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(run(low)).toBeLessThanOrEqual(run(high));
        expect(run(-a) + run(a)).toBe(0);
      }),
    );
  });

  it('agrees with dinero.js convert + transformScale(halfEven) from the base', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), code, (value, to) => {
        if (to === REFERENCE_FX_TABLE.base) return;
        const { units, scale } = parseDecimal(REFERENCE_FX_TABLE.quotes[to]?.rate ?? '1');
        const target = currencyOf(to);
        const converted = dineroConvert(
          dinero({ amount: value, currency: currencyOf(REFERENCE_FX_TABLE.base) }),
          target,
          { [to]: { amount: Number(units), scale } },
        );
        const expected = toSnapshot(transformScale(converted, target.exponent, halfEven)).amount;
        const actual = convert({ amount: value, currency: REFERENCE_FX_TABLE.base }, to).amount;
        expect(actual.amount).toBe(expected === 0 ? 0 : expected);
      }),
    );
  });

  it('round-trips within the rounding of both legs', () => {
    fc.assert(
      fc.property(moderate, code, code, (value, from, to) => {
        const there = convert({ amount: value, currency: from }, to).amount;
        const back = convert(there, from).amount.amount;
        // |back − value| ≤ ½ + ½ / f, where f is target minor units per source minor unit.
        const { num, den } = exact(REFERENCE_FX_TABLE, 1, from, to);
        const distance = BigInt(Math.abs(back - value));
        expect(2n * distance * num <= num + den).toBe(true);
      }),
    );
  });
});
