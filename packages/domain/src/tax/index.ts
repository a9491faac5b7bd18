/**
 * Tax: where tax is due and how much. Pure functions over a rate table shipped as data
 * (`rates.json`), which a deployment can override; the invoice code calls these at finalisation.
 */
export {
  type CalculateTaxInput,
  calculateTax,
  isReverseCharge,
  type TaxCalculation,
  type TaxIdRef,
  type TaxReason,
  taxOn,
} from './calculate.js';
export {
  addDecimals,
  compareDecimals,
  DECIMAL_PATTERN,
  divideRounded,
  formatDecimal,
  isDecimalString,
  parseDecimal,
  type Rounding,
  type ScaledDecimal,
} from './decimal.js';
export { EU_MEMBER_STATES, isEuMember } from './eu.js';
export {
  getRate,
  getRateFromTable,
  type TaxAddress,
  type TaxRate,
  type TaxRateComponent,
  UNKNOWN_JURISDICTION,
} from './get-rate.js';
export {
  type CountryTax,
  CountryTaxSchema,
  mergeTaxRates,
  PostalTaxOverrideSchema,
  TAX_RATES,
  type TaxComponentData,
  TaxComponentDataSchema,
  type TaxRateOverrides,
  TaxRateOverridesSchema,
  type TaxRateTable,
  TaxRateTableSchema,
  TaxRegionSchema,
} from './table.js';
