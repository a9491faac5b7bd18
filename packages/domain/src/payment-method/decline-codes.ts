import type { ErrorCode } from '../errors.js';

const KNOWN: ReadonlySet<string> = new Set([
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'processing_error',
]);

/**
 * The Ledger code for a processor's decline: its own code when Ledger knows it, else
 * `card_declined` (the processor's code is kept in the error's details and on the payment).
 */
export function declineCode(code: string | null | undefined): ErrorCode {
  return code && KNOWN.has(code) ? (code as ErrorCode) : 'card_declined';
}
