import { describe, expect, it } from 'vitest';
import {
  divideRational,
  formatRational,
  isRationalString,
  multiplyRational,
  parseRational,
  rational,
  rationalToDecimal,
} from './rational.js';

describe('rationals', () => {
  it('parse decimals and fraction literals into lowest terms', () => {
    expect(parseRational('0.94')).toEqual({ num: 47n, den: 50n });
    expect(parseRational('150')).toEqual({ num: 150n, den: 1n });
    expect(parseRational('100/108')).toEqual({ num: 25n, den: 27n });
    expect(rational(3n, -6n)).toEqual({ num: -1n, den: 2n });
    expect(rational(0n, 7n)).toEqual({ num: 0n, den: 1n });
  });

  it('recognise only the two literal forms', () => {
    for (const ok of ['0.94', '79/94', '1']) expect(isRationalString(ok), ok).toBe(true);
    for (const bad of ['79/0', '-1', '1/-2', '0.9.4', ''])
      expect(isRationalString(bad), bad).toBe(false);
  });

  it('multiply and divide exactly', () => {
    const eur = parseRational('0.94');
    const gbp = parseRational('0.79');
    expect(formatRational(divideRational(gbp, eur))).toBe('79/94');
    expect(formatRational(multiplyRational(parseRational('0.85'), eur))).toBe('0.799');
    expect(() => divideRational(eur, { num: 0n, den: 1n })).toThrow(RangeError);
  });

  it('format exactly when the expansion terminates, else as a fraction', () => {
    expect(formatRational({ num: 1n, den: 8n })).toBe('0.125');
    expect(formatRational({ num: 50n, den: 47n })).toBe('50/47');
  });

  it('round a display decimal half to even', () => {
    expect(rationalToDecimal({ num: 50n, den: 47n }, 12)).toBe('1.063829787234');
    expect(rationalToDecimal({ num: 1n, den: 8n }, 2)).toBe('0.12');
    expect(rationalToDecimal({ num: 3n, den: 8n }, 2)).toBe('0.38');
    expect(rationalToDecimal({ num: 1n, den: 8n }, 12)).toBe('0.125');
  });
});
