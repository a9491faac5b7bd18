import { TAX_ID_SCHEMES } from './schemes.js';
import {
  CHECKSUM_MISMATCH,
  isTaxIdType,
  TAX_ID_TYPES,
  type TaxId,
  type TaxIdCheck,
  type TaxIdType,
  type TaxIdVerification,
} from './types.js';

const MAX_ECHOED_LENGTH = 40;

function echo(raw: string): string {
  const trimmed = raw.trim();
  const shown =
    trimmed.length > MAX_ECHOED_LENGTH ? `${trimmed.slice(0, MAX_ECHOED_LENGTH)}…` : trimmed;
  return JSON.stringify(shown);
}

/**
 * Normalises a caller-given tax id and decides whether it can be stored. A value of the wrong
 * shape for its scheme (per EU country for `eu_vat`) is refused with a message that says what
 * the shape should be; a well-shaped value is always accepted, and a failed checksum is only
 * recorded as `verification.reason = 'checksum_mismatch'`, because checksum rules have exceptions
 * that wrongly reject real numbers. See `TAX_ID_SCHEMES` for each scheme's canonical form.
 * Ledger never calls a tax authority here, so the status is always `unverified`.
 */
export function checkTaxId(type: TaxIdType, raw: string): TaxIdCheck {
  if (!isTaxIdType(type)) {
    return {
      ok: false,
      message: `unknown tax id type ${JSON.stringify(type)}; expected one of ${TAX_ID_TYPES.join(', ')}`,
    };
  }
  const scheme = TAX_ID_SCHEMES[type];
  const value = scheme.normalise(raw);
  const shapeError = scheme.shapeError(value);
  if (shapeError !== undefined) {
    return { ok: false, message: `${echo(raw)} is not a valid ${type} number: ${shapeError}` };
  }
  const verification: TaxIdVerification =
    scheme.checksumOk && !scheme.checksumOk(value)
      ? { status: 'unverified', reason: CHECKSUM_MISMATCH }
      : { status: 'unverified' };
  const taxId: TaxId = { type, value, verification };
  return { ok: true, taxId };
}

/**
 * The ISO 3166-1 alpha-2 country a tax id belongs to. Tax calculation needs it to tell an
 * intra-EU reverse charge from a domestic sale: for `eu_vat` it is read from the VAT prefix
 * (EL gives GR, XI gives GB), for every other type it is the scheme's country. Accepts stored or
 * raw values; undefined for an unknown type or an `eu_vat` value without an EU prefix.
 */
export function taxIdCountry(taxId: Pick<TaxId, 'type' | 'value'>): string | undefined {
  if (!isTaxIdType(taxId.type)) return undefined;
  const scheme = TAX_ID_SCHEMES[taxId.type];
  return scheme.country(scheme.normalise(taxId.value));
}
