import { ERROR_CODES, type ErrorCode } from '@ledger/domain';
import { ERROR_TABLE } from '../errors/status-table.js';
import type { Operation } from './operation.js';

// invalid_input: Authorization and X-API-Key naming two different keys; rate_limited: the key's
// budget for the operation, or the address's failed authentications, are spent.
const EVERY_OPERATION: readonly ErrorCode[] = [
  'unauthenticated',
  'invalid_input',
  'rate_limited',
  'internal_error',
  'database_unavailable',
];
const EVERY_WRITE: readonly ErrorCode[] = [
  'invalid_input',
  'invalid_json',
  'body_too_large',
  'idempotency_key_reused',
  'idempotency_key_in_use',
];

/**
 * What an operation that reaches the payment processor can answer: a decline (402, with the
 * processor's code when Ledger knows it) or the processor failing (502) or timing out (504).
 * Read off the status table, so a new decline code is covered where it is given its status.
 */
export const PROCESSOR_ERRORS: readonly ErrorCode[] = ERROR_CODES.filter((code) =>
  [402, 502, 504].includes(ERROR_TABLE[code].status),
);

/** True for the methods that take a body and honour `Idempotency-Key`. */
export function isWrite(op: Pick<Operation, 'method'>): boolean {
  return op.method !== 'get';
}

/**
 * Every error code an operation can answer: its own (`errors`) plus those that come with its
 * kind: any call can be unauthenticated, rate limited or fail inside; any write can carry a bad body or a
 * conflicting idempotency key; input can be malformed; an id in the path can be malformed.
 */
export function errorsOf(op: Operation): ReadonlySet<ErrorCode> {
  const codes = new Set<ErrorCode>([...EVERY_OPERATION, ...op.errors]);
  if (isWrite(op)) for (const code of EVERY_WRITE) codes.add(code);
  if (op.from === 'query') codes.add('invalid_input');
  const pathNames = Object.keys(op.pathParams ?? {});
  if (pathNames.some((name) => name !== 'email')) codes.add('invalid_id');
  return codes;
}
