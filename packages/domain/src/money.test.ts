import { dinero, toDecimal } from 'dinero.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, LedgerError } from './errors.js';
import {
  addMoney,
  amountSchema,
  assertStorable,
  currencyOf,
  currencySchema,
  exponentOf,
  formatMoney,
  isCurrencyCode,
  MAX_INPUT_AMOUNT,
  MAX_STORED_AMOUNT,
  type Money,
  moneySchema,
  positiveMoneySchema,
  toDecimalString,
  zero,
} from './money.js';
import { parseInput } from './validation.js';

const usd = (amount: number): Money => ({ amount, currency: 'USD' });

/** The LedgerError `fn` throws (fails the test when it throws nothing or something else). */
function thrown(fn: () => unknown): LedgerError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error('expected a LedgerError, nothing was thrown');
}

/** The code `schema` refuses `input` with, through the path every service takes. */
function refusal(schema: Parameters<typeof parseInput>[0], input: unknown): ErrorCode {
  return thrown(() => parseInput(schema, input)).code;
}

describe('currency codes', () => {
  it.each([
    ['usd', 'USD'],
    ['Eur', 'EUR'],
    ['JPY', 'JPY'],
    [' kwd ', 'KWD'],
  ])('accepts %j in any case and canonicalises it to %s', (input, canonical) => {
    expect(parseInput(currencySchema, input)).toBe(canonical);
  });

  it.each(['XYZ', 'US', 'USDD', '', 'dollar', '840'])(
    'refuses %j with invalid_currency',
    (code) => {
      expect(refusal(currencySchema, code)).toBe('invalid_currency');
    },
  );

  it('knows only canonical upper-case codes', () => {
    expect(isCurrencyCode('USD')).toBe(true);
    expect(isCurrencyCode('usd')).toBe(false);
    expect(thrown(() => currencyOf('XYZ')).code).toBe('invalid_currency');
    expect(zero('EUR')).toEqual({ amount: 0, currency: 'EUR' });
    expect(thrown(() => zero('eur')).code).toBe('invalid_currency');
  });

  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
  ])('takes the ISO 4217 exponent of %s (%i)', (currency, exponent) => {
    expect(exponentOf(currency)).toBe(exponent);
  });
});

describe('caller-given amounts', () => {
  it.each([1, -1, 4999, MAX_INPUT_AMOUNT, -MAX_INPUT_AMOUNT])('accepts %i', (amount) => {
    expect(parseInput(amountSchema, amount)).toBe(amount);
  });

  it.each([
    0,
    MAX_INPUT_AMOUNT + 1,
    -(MAX_INPUT_AMOUNT + 1),
    MAX_STORED_AMOUNT,
    1.5,
    0.1,
    -49.99,
    2 ** 53,
  ])('refuses %d with invalid_amount', (amount) => {
    expect(refusal(amountSchema, amount)).toBe('invalid_amount');
  });

  it.each(['100', null, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses the non-number %j naming the parameter',
    (amount) => {
      const error = thrown(() => parseInput(moneySchema, { amount, currency: 'USD' }));
      expect(error.param).toEqual(['amount']);
      expect(error.message).toContain('integer number of minor units');
    },
  );

  it('parses a money value, canonicalising its currency', () => {
    expect(parseInput(moneySchema, { amount: -250, currency: 'jpy' })).toEqual({
      amount: -250,
      currency: 'JPY',
    });
    const error = thrown(() => parseInput(moneySchema, { amount: 1, currency: 'ABC' }));
    expect(error).toMatchObject({ code: 'invalid_currency', param: ['currency'] });
  });

  it('requires a positive amount where the verb says so', () => {
    expect(parseInput(positiveMoneySchema, { amount: 1, currency: 'usd' })).toEqual(usd(1));
    const error = thrown(() => parseInput(positiveMoneySchema, { amount: -1, currency: 'USD' }));
    expect(error).toMatchObject({ code: 'invalid_amount', param: ['amount'] });
  });
});

describe('addMoney', () => {
  it('adds amounts of one currency exactly', () => {
    expect(addMoney(usd(4999), usd(1))).toEqual(usd(5000));
    expect(addMoney(usd(-10_000), usd(2500))).toEqual(usd(-7500));
    expect(addMoney(usd(MAX_STORED_AMOUNT - 1), usd(1))).toEqual(usd(MAX_STORED_AMOUNT));
  });

  it('refuses to combine currencies, naming both', () => {
    const error = thrown(() => addMoney(usd(1), { amount: 1, currency: 'EUR' }));
    expect(error.code).toBe('currency_mismatch');
    expect(error.details).toEqual({ expected: 'USD', received: 'EUR' });
  });

  it('refuses a result beyond ±(2^53 − 1) with balance_out_of_range', () => {
    expect(thrown(() => addMoney(usd(MAX_STORED_AMOUNT), usd(1))).code).toBe(
      'balance_out_of_range',
    );
    expect(thrown(() => addMoney(usd(-MAX_STORED_AMOUNT), usd(-1))).code).toBe(
      'balance_out_of_range',
    );
    expect(thrown(() => addMoney(usd(MAX_STORED_AMOUNT), usd(MAX_STORED_AMOUNT))).code).toBe(
      'balance_out_of_range',
    );
    expect(thrown(() => assertStorable(usd(2 ** 53))).code).toBe('balance_out_of_range');
  });

  it('is exact integer addition within range, and refuses everything outside it', () => {
    const safe = fc.integer({ min: -MAX_STORED_AMOUNT, max: MAX_STORED_AMOUNT });
    fc.assert(
      fc.property(safe, safe, fc.constantFrom('USD', 'JPY', 'KWD'), (a, b, currency) => {
        const exact = BigInt(a) + BigInt(b);
        const add = () => addMoney({ amount: a, currency }, { amount: b, currency });
        if (exact >= BigInt(-MAX_STORED_AMOUNT) && exact <= BigInt(MAX_STORED_AMOUNT)) {
          expect(add()).toEqual({ amount: Number(exact), currency });
          expect(add()).toEqual(addMoney({ amount: b, currency }, { amount: a, currency }));
        } else {
          expect(thrown(add).code).toBe('balance_out_of_range');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('stays exact near the edge of the range', () => {
    const nearEdge = fc.integer({ min: MAX_STORED_AMOUNT - 1_000_000, max: MAX_STORED_AMOUNT });
    const small = fc.integer({ min: -1_000_000, max: 1_000_000 });
    fc.assert(
      fc.property(nearEdge, small, (a, b) => {
        const exact = BigInt(a) + BigInt(b);
        if (exact <= BigInt(MAX_STORED_AMOUNT)) {
          expect(BigInt(addMoney(usd(a), usd(b)).amount)).toBe(exact);
        } else {
          expect(thrown(() => addMoney(usd(a), usd(b))).code).toBe('balance_out_of_range');
        }
      }),
    );
  });
});

describe('formatting', () => {
  it.each<[Money, string]>([
    [usd(4999), '49.99'],
    [usd(-5), '-0.05'],
    [usd(999_999_999_999), '9999999999.99'],
    [{ amount: 500, currency: 'JPY' }, '500'],
    [{ amount: -1234, currency: 'KWD' }, '-1.234'],
    [usd(MAX_STORED_AMOUNT), '90071992547409.91'],
  ])('renders %j as the exact decimal %s', (money, decimal) => {
    expect(toDecimalString(money)).toBe(decimal);
  });

  it('renders every amount of every exponent exactly as dinero does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -MAX_STORED_AMOUNT, max: MAX_STORED_AMOUNT }),
        fc.constantFrom('USD', 'JPY', 'KWD', 'EUR', 'CLF'),
        (amount, currency) => {
          const money = { amount, currency };
          expect(toDecimalString(money)).toBe(
            toDecimal(dinero({ amount, currency: currencyOf(currency) })),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each<[Money, string]>([
    [usd(4999), '$49.99'],
    [usd(0), '$0.00'],
    [usd(-4999), '-$49.99'],
    [usd(999_999_999_999), '$9,999,999,999.99'],
    [usd(-999_999_999_999), '-$9,999,999,999.99'],
    [usd(MAX_STORED_AMOUNT), '$90,071,992,547,409.91'],
    [{ amount: 500, currency: 'JPY' }, '¥500'],
    [{ amount: 1, currency: 'KWD' }, 'KWD 0.001'],
    [{ amount: -MAX_STORED_AMOUNT, currency: 'KWD' }, '-KWD 9,007,199,254,740.991'],
  ])('formats %j exactly as %s', (money, text) => {
    // Intl separates the currency code with a no-break space; compare on plain spaces.
    expect(formatMoney(money).replace(/\u00a0/g, ' ')).toBe(text);
  });

  it('never loses a cent to floating point, for any amount in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_STORED_AMOUNT, max: MAX_STORED_AMOUNT }), (amount) => {
        const digits = formatMoney(usd(amount)).replace(/[^0-9-]/g, '');
        expect(BigInt(digits)).toBe(BigInt(amount));
      }),
      { numRuns: 1000 },
    );
  });

  it('formats by locale and currency, interleaved and past the formatters it keeps', () => {
    const locales = ['en-US', 'de-DE', 'fr-FR', 'ja-JP'];
    const currencies = ['USD', 'EUR', 'JPY', 'KWD', 'GBP', 'CHF'];
    const expected = (money: Money, locale: string) =>
      new Intl.NumberFormat(locale, {
        style: 'currency',
        currency: money.currency,
        minimumFractionDigits: exponentOf(money.currency),
        maximumFractionDigits: exponentOf(money.currency),
      }).format(toDecimalString(money) as unknown as number);
    // Enough rounds of distinct locales to pass the kept formatters' bound several times.
    const variants = Array.from({ length: 80 }, (_, i) => `en-US-u-nu-latn-x-v${i}`);
    for (const locale of [...locales, ...variants, ...locales]) {
      for (const currency of currencies) {
        const money = { amount: 123_456_789, currency };
        expect(formatMoney(money, locale)).toBe(expected(money, locale));
      }
    }
  });
});
