/**
 * Tax ids: the closed list of schemes, offline normalisation, shape checks (refused) and
 * checksum checks (recorded), and the zod schema services use for caller input.
 */
export { checkTaxId, taxIdCountry } from './check.js';
export {
  abnChecksumOk,
  chUidChecksumOk,
  gstinCheckCharacter,
  gstinChecksumOk,
  luhnOk,
  noOrgNumberChecksumOk,
  nzIrdChecksumOk,
} from './checksums.js';
export { EU_VAT_PREFIXES } from './eu-vat.js';
export { type TaxIdInput, taxIdInputSchema } from './schema.js';
export { TAX_ID_SCHEMES, type TaxIdScheme } from './schemes.js';
export {
  CHECKSUM_MISMATCH,
  isTaxIdType,
  TAX_ID_TYPES,
  TAX_ID_VERIFICATION_STATUSES,
  type TaxId,
  type TaxIdCheck,
  type TaxIdType,
  type TaxIdVerification,
  type TaxIdVerificationStatus,
} from './types.js';
export * from './verifier.js';
export * from './verify-tax-ids.js';
