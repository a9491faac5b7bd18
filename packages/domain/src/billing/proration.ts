/**
 * `amount × numerator / denominator`, rounded half away from zero, in integers (BigInt): the one
 * proration rule for plan changes and for periods that end early.
 */
export function prorate(amount: number, numerator: number, denominator: number): number {
  const product = BigInt(amount) * BigInt(numerator);
  const d = BigInt(denominator);
  const quotient = product / d;
  const remainder = product % d;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice >= d) return Number(quotient + (product < 0n ? -1n : 1n));
  return Number(quotient);
}
