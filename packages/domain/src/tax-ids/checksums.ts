/**
 * Check-digit algorithms of the non-EU schemes. Each takes an already normalised, already
 * shape-checked value and only answers "do the check digits add up?"; a `false` is recorded as
 * `checksum_mismatch`, never a refusal. EU (and UK) VAT check digits come from `jsvat`.
 */

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function digitsOf(value: string): number[] {
  return Array.from(value, (char) => Number(char));
}

function weightedSum(digits: readonly number[], weights: readonly number[]): number {
  return weights.reduce((sum, weight, i) => sum + weight * (digits[i] ?? 0), 0);
}

/**
 * Australian Business Number (11 digits): subtract 1 from the first digit, weight the digits
 * 10, 1, 3, 5, …, 19 and the sum must be divisible by 89 (ATO's published rule).
 */
export function abnChecksumOk(abn: string): boolean {
  const digits = digitsOf(abn);
  if (digits.length !== 11 || digits[0] === undefined) return false;
  digits[0] -= 1;
  return weightedSum(digits, [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]) % 89 === 0;
}

/**
 * The check character GSTIN uses (Luhn mod 36 over 0-9A-Z): the 15th character of an Indian
 * GSTIN is computed from the first 14 this way. Returns undefined for a non-alphanumeric input.
 */
export function gstinCheckCharacter(first14: string): string | undefined {
  let sum = 0;
  for (let i = 0; i < first14.length; i++) {
    const value = ALPHANUMERIC.indexOf(first14.charAt(i));
    if (value < 0) return undefined;
    const product = value * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return ALPHANUMERIC.charAt((36 - (sum % 36)) % 36);
}

/** Indian GSTIN (15 characters): the last character is the mod 36 check of the first 14. */
export function gstinChecksumOk(gstin: string): boolean {
  return gstin.length === 15 && gstinCheckCharacter(gstin.slice(0, 14)) === gstin.charAt(14);
}

/**
 * New Zealand IRD / GST number (8 or 9 digits, padded to 9): mod 11 with weights 3,2,7,6,5,4,3,2;
 * when that yields 10 the secondary weights 7,4,3,2,5,2,7,6 are used, and 10 again is invalid.
 */
export function nzIrdChecksumOk(ird: string): boolean {
  if (!/^\d{8,9}$/.test(ird)) return false;
  const digits = digitsOf(ird.padStart(9, '0'));
  const body = digits.slice(0, 8);
  const checkDigit = (weights: readonly number[]): number =>
    (11 - (weightedSum(body, weights) % 11)) % 11;
  let check = checkDigit([3, 2, 7, 6, 5, 4, 3, 2]);
  if (check === 10) check = checkDigit([7, 4, 3, 2, 5, 2, 7, 6]);
  return check !== 10 && check === digits[8];
}

/**
 * Norwegian organisation number (9 digits, the core of a NO VAT number): weights 3,2,7,6,5,4,3,2
 * and the check digit itself weighted 1 must sum to a multiple of 11.
 */
export function noOrgNumberChecksumOk(orgNumber: string): boolean {
  const digits = digitsOf(orgNumber);
  return digits.length === 9 && weightedSum(digits, [3, 2, 7, 6, 5, 4, 3, 2, 1]) % 11 === 0;
}

/**
 * Swiss UID (the 9 digits after "CHE"): mod 11 with weights 5,4,3,2,7,6,5,4; a computed check
 * digit of 10 is never issued, so it cannot match.
 */
export function chUidChecksumOk(uid: string): boolean {
  const digits = digitsOf(uid);
  if (digits.length !== 9) return false;
  const check = (11 - (weightedSum(digits, [5, 4, 3, 2, 7, 6, 5, 4]) % 11)) % 11;
  return check !== 10 && check === digits[8];
}

/** Luhn (mod 10) over a digit string, as used by the 9-digit Canadian Business Number. */
export function luhnOk(digitString: string): boolean {
  if (!/^\d+$/.test(digitString)) return false;
  let sum = 0;
  const digits = digitsOf(digitString).reverse();
  for (const [i, digit] of digits.entries()) {
    const doubled = i % 2 === 1 ? digit * 2 : digit;
    sum += doubled > 9 ? doubled - 9 : doubled;
  }
  return sum % 10 === 0;
}
