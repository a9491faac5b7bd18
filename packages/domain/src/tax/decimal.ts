import { calculator, halfAwayFromZero, halfEven } from 'dinero.js/bigint';

/**
 * A non-negative decimal written as a string ("0.19", "0.09975", "151.2"). Rates live as strings so
 * that the data file, the database and the API all carry the exact value a statute or a rate
 * feed published; a binary float cannot even hold 0.07 exactly.
 */
export const DECIMAL_PATTERN = /^(0|[1-9]\d*)(\.\d+)?$/;

/** A decimal as an integer over a power of ten: "0.0725" is `{ units: 725n, scale: 4 }`. */
export interface ScaledDecimal {
  readonly units: bigint;
  readonly scale: number;
}

/** How a quotient that is not a whole number of minor units is brought back to one. */
export type Rounding = 'halfAwayFromZero' | 'halfEven';

/** True for a string {@link parseDecimal} accepts. */
export function isDecimalString(value: string): boolean {
  return DECIMAL_PATTERN.test(value);
}

/**
 * Parses a decimal string into an exact integer and scale. Throws a plain `RangeError` on
 * malformed input: rates reach this point only after schema validation, so a failure here is a
 * programming error, not a caller's mistake.
 */
export function parseDecimal(value: string): ScaledDecimal {
  const match = DECIMAL_PATTERN.exec(value);
  if (!match) throw new RangeError(`Not a decimal string: "${value}"`);
  const fraction = match[2]?.slice(1) ?? '';
  return { units: BigInt(`${match[1]}${fraction}`), scale: fraction.length };
}

/** Renders an exact decimal without trailing zeros ("0.0500" → "0.05", "0.000" → "0"). */
export function formatDecimal({ units, scale }: ScaledDecimal): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  const body = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/**
 * Adds decimal strings exactly (a combined rate is the sum of its components: 0.05 + 0.09975 is
 * 0.14975, not 0.14975000000000002).
 */
export function addDecimals(values: ReadonlyArray<string>): string {
  const parsed = values.map(parseDecimal);
  const scale = Math.max(0, ...parsed.map((d) => d.scale));
  const units = parsed.reduce((sum, d) => sum + d.units * 10n ** BigInt(scale - d.scale), 0n);
  return formatDecimal({ units, scale });
}

/** Compares two decimal strings exactly: negative, zero or positive like a sort comparator. */
export function compareDecimals(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  const left = x.units * 10n ** BigInt(scale - x.scale);
  const right = y.units * 10n ** BigInt(scale - y.scale);
  return left === right ? 0 : left < right ? -1 : 1;
}

/**
 * `numerator / denominator` rounded to an integer with dinero.js's own rounding functions (on its
 * bigint calculator, so no intermediate ever loses precision). This is the single place where a
 * money result is rounded, which is how "once per invoice" is kept.
 */
export function divideRounded(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator === 0n) throw new RangeError('Division by zero');
  const [n, d] = denominator < 0n ? [-numerator, -denominator] : [numerator, denominator];
  const divide = rounding === 'halfEven' ? halfEven : halfAwayFromZero;
  return divide(n, d, calculator);
}
