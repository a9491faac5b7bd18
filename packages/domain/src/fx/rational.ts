import { divideRounded, formatDecimal, parseDecimal } from '../tax/decimal.js';

/**
 * An exact fraction in lowest terms with a positive denominator. Cross rates are quotients of two
 * decimal quotes (GBP per EUR = 0.79 / 0.94) and rarely terminate, so they are carried as
 * fractions until the one rounding to minor units.
 */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

const FRACTION_PATTERN = /^(0|[1-9]\d*)\/([1-9]\d*)$/;

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** Builds `num / den` in lowest terms; a zero denominator is a programming error. */
export function rational(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new RangeError('Denominator must not be zero');
  const sign = den < 0n ? -1n : 1n;
  const divisor = gcd(num, den) || 1n;
  return { num: (sign * num) / divisor, den: (sign * den) / divisor };
}

/** True for "0.94" or for an exact fraction literal such as "79/94". */
export function isRationalString(text: string): boolean {
  return FRACTION_PATTERN.test(text) || /^(0|[1-9]\d*)(\.\d+)?$/.test(text);
}

/** Parses a decimal ("0.94") or a fraction literal ("79/94"). */
export function parseRational(text: string): Rational {
  const fraction = FRACTION_PATTERN.exec(text);
  if (fraction) return rational(BigInt(fraction[1] ?? '0'), BigInt(fraction[2] ?? '1'));
  const { units, scale } = parseDecimal(text);
  return rational(units, 10n ** BigInt(scale));
}

/** `a × b`, exact. */
export function multiplyRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

/** `a ÷ b`, exact; `b` must not be zero. */
export function divideRational(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError('Division by zero');
  return rational(a.num * b.den, a.den * b.num);
}

/** The number of decimal places `r` needs, or undefined when its expansion never ends. */
function terminatingScale(r: Rational): number | undefined {
  let den = r.den;
  let twos = 0;
  let fives = 0;
  while (den % 2n === 0n) [den, twos] = [den / 2n, twos + 1];
  while (den % 5n === 0n) [den, fives] = [den / 5n, fives + 1];
  return den === 1n ? Math.max(twos, fives) : undefined;
}

/**
 * The exact text of `r`: a decimal when it terminates ("0.94"), a fraction otherwise ("79/94").
 * This is what a record should keep so that a conversion can be recomputed to the same minor unit.
 */
export function formatRational(r: Rational): string {
  const scale = terminatingScale(r);
  if (scale === undefined) return `${r.num}/${r.den}`;
  return formatDecimal({ units: (r.num * 10n ** BigInt(scale)) / r.den, scale });
}

/**
 * A decimal for display: exact when `r` terminates within `maxFractionDigits` places, otherwise
 * rounded half to even at that many places.
 */
export function rationalToDecimal(r: Rational, maxFractionDigits: number): string {
  const scale = terminatingScale(r);
  if (scale !== undefined && scale <= maxFractionDigits) return formatRational(r);
  const factor = 10n ** BigInt(maxFractionDigits);
  const units = divideRounded(r.num * factor, r.den, 'halfEven');
  return formatDecimal({ units, scale: maxFractionDigits });
}
