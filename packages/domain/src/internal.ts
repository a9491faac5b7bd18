/**
 * @ledger/domain/internal: helpers of the verbs that Ledger's own packages (the server and its
 * tests) call directly. Not part of the public API (`@ledger/domain`): they skip the checks and
 * the transaction a verb brings, and may change with any release.
 */
export { finalizeDraft } from './billing/invoice/finalize-invoice.js';
