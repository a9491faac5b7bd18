import { describe, expect, it } from 'vitest';
import {
  addDecimals,
  compareDecimals,
  divideRounded,
  formatDecimal,
  isDecimalString,
  parseDecimal,
} from './decimal.js';

describe('decimal strings', () => {
  it('parses into an integer and a scale', () => {
    expect(parseDecimal('0.0725')).toEqual({ units: 725n, scale: 4 });
    expect(parseDecimal('151')).toEqual({ units: 151n, scale: 0 });
    expect(() => parseDecimal('1e3')).toThrow(RangeError);
  });

  it('recognises only plain non-negative decimals', () => {
    for (const ok of ['0', '0.19', '12.5', '1']) expect(isDecimalString(ok), ok).toBe(true);
    for (const bad of ['', '.5', '1.', '-1', '01', '1e3', ' 1', 'NaN']) {
      expect(isDecimalString(bad), bad).toBe(false);
    }
  });

  it('formats without trailing zeros', () => {
    expect(formatDecimal({ units: 500n, scale: 4 })).toBe('0.05');
    expect(formatDecimal({ units: 0n, scale: 3 })).toBe('0');
    expect(formatDecimal({ units: -25n, scale: 1 })).toBe('-2.5');
  });

  it('adds exactly where floats would not', () => {
    expect(addDecimals(['0.05', '0.09975'])).toBe('0.14975');
    expect(addDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(addDecimals([])).toBe('0');
  });

  it('compares exactly', () => {
    expect(compareDecimals('0.10', '0.1')).toBe(0);
    expect(compareDecimals('0.0725', '0.08')).toBeLessThan(0);
    expect(compareDecimals('1', '0.999')).toBeGreaterThan(0);
  });
});

describe('divideRounded', () => {
  it.each([
    [5n, 2n, 3n, 2n],
    [-5n, 2n, -3n, -2n],
    [7n, 2n, 4n, 4n],
    [-7n, 2n, -4n, -4n],
    [14n, 10n, 1n, 1n],
    [16n, 10n, 2n, 2n],
    [-16n, 10n, -2n, -2n],
    [5n, -2n, -3n, -2n],
  ])('%i / %i → %i away from zero, %i to even', (n, d, away, even) => {
    expect(divideRounded(n, d, 'halfAwayFromZero')).toBe(away);
    expect(divideRounded(n, d, 'halfEven')).toBe(even);
  });

  it('refuses division by zero', () => {
    expect(() => divideRounded(1n, 0n, 'halfEven')).toThrow(RangeError);
  });
});
