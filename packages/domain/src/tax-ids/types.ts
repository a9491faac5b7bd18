/**
 * The tax id schemes Ledger understands, named as Stripe names them so an import or export maps
 * one to one. The list is closed: an unknown type is refused with `invalid_tax_id`, because a
 * value we cannot shape-check could silently switch off reverse charge or mislabel an invoice.
 */
export const TAX_ID_TYPES = [
  'eu_vat',
  'gb_vat',
  'us_ein',
  'au_abn',
  'in_gst',
  'ca_bn',
  'ch_vat',
  'no_vat',
  'nz_gst',
] as const;

/** One scheme from {@link TAX_ID_TYPES}. */
export type TaxIdType = (typeof TAX_ID_TYPES)[number];

/**
 * How far a tax id has been verified. Ledger itself only ever sets `unverified` (it checks shape
 * and checksum offline); `pending`, `verified` and `unavailable` are for a later lookup against
 * the tax authority (VIES, HMRC, ABR) so stored ids never need a migration when one is added.
 */
export const TAX_ID_VERIFICATION_STATUSES = [
  'unverified',
  'pending',
  'verified',
  'unavailable',
] as const;

/** One status from {@link TAX_ID_VERIFICATION_STATUSES}. */
export type TaxIdVerificationStatus = (typeof TAX_ID_VERIFICATION_STATUSES)[number];

/**
 * Why a stored tax id has the status it has. `reason: 'checksum_mismatch'` marks a value whose
 * check digits do not add up: it is recorded rather than refused, because checksum rules have
 * exceptions that wrongly reject real numbers (and the seed's own `DE123456789` fails one).
 */
export interface TaxIdVerification {
  status: TaxIdVerificationStatus;
  reason?: string;
}

/** A stored tax id: its scheme, its normalised value and what we know about its validity. */
export interface TaxId {
  type: TaxIdType;
  value: string;
  verification: TaxIdVerification;
}

/**
 * The outcome of checking one caller-given tax id: either the normalised {@link TaxId} to store,
 * or a human-readable reason the value cannot be a number of that scheme (wrong shape).
 */
export type TaxIdCheck = { ok: true; taxId: TaxId } | { ok: false; message: string };

/** The reason recorded on a well-shaped value whose check digits do not match. */
export const CHECKSUM_MISMATCH = 'checksum_mismatch';

/** True when `type` is one of {@link TAX_ID_TYPES}; narrows caller input before a lookup. */
export function isTaxIdType(type: string): type is TaxIdType {
  return (TAX_ID_TYPES as readonly string[]).includes(type);
}
