import { formatDecimal, parseDecimal } from './decimal.js';

/**
 * A tax rate as people read it: `"0.19"` → `"19%"`, `"0.08625"` → `"8.625%"`. Rates are exact
 * decimal strings, so the percentage is made by moving the decimal point (scale − 2), never by
 * multiplying a float: 0.08625 × 100 is 8.625000000000002 in binary.
 */
export function formatRate(rate: string): string {
  const { units, scale } = parseDecimal(rate);
  const percent =
    scale >= 2
      ? formatDecimal({ units, scale: scale - 2 })
      : formatDecimal({ units: units * 10n ** BigInt(2 - scale), scale: 0 });
  return `${percent}%`;
}
