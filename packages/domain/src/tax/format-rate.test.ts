import { describe, expect, it } from 'vitest';
import { formatRate } from './format-rate.js';

describe('formatRate', () => {
  it.each([
    ['0.19', '19%'],
    ['0.08625', '8.625%'],
    ['0.2', '20%'],
    ['0', '0%'],
    ['0.0500', '5%'],
    ['1', '100%'],
    ['0.14975', '14.975%'],
  ])('shows %s as %s, moving the decimal point exactly', (rate, shown) => {
    expect(formatRate(rate)).toBe(shown);
  });
});
