import type { TaxId, TaxIdVerification } from './types.js';

/**
 * Checks tax ids with their authority (VIES for EU VAT, HMRC for GB, ABR for AU …). The offline
 * default answers with the status the id already has, so ids stay `unverified`; a deployment with
 * network access plugs in a real one. Throwing means "the authority could not answer".
 */
export interface TaxIdVerifier {
  verify(taxId: TaxId): Promise<TaxIdVerification>;
}

/** No authority is asked: statuses stay as they are (`unverified`, with any checksum note). */
export const offlineTaxIdVerifier: TaxIdVerifier = {
  verify: async (taxId) => taxId.verification,
};
