/**
 * FX: converting an amount into another currency at invoice time, from a reference table shipped
 * as data (`rates.json`) that each tenant can override. Rounds half to even, once.
 */
export { convert, DISPLAY_RATE_DIGITS, type FxConversion } from './convert.js';
export {
  divideRational,
  formatRational,
  isRationalString,
  multiplyRational,
  parseRational,
  type Rational,
  rational,
  rationalToDecimal,
} from './rational.js';
export {
  type FxQuote,
  type FxRatesOverride,
  FxRatesOverrideSchema,
  type FxTable,
  mergeFxRates,
  REFERENCE_FX_TABLE,
} from './table.js';
