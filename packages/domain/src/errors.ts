/**
 * The one closed list of error codes Ledger can return. Every failure a caller can see carries
 * exactly one of these, so clients can branch on `code` instead of parsing messages. Adding a code
 * means adding a row to the api package's status table too (the compiler enforces it there).
 */
export const ERROR_CODES = [
  // bad input
  'invalid_input',
  'invalid_json',
  'invalid_id',
  'invalid_email',
  'invalid_currency',
  'invalid_country',
  'invalid_tax_id',
  'invalid_metadata',
  'invalid_amount',
  'invalid_cursor',
  'invalid_webhook_url',
  // bad state
  'customer_deleted',
  'currency_locked',
  'currency_mismatch',
  'has_active_subscriptions',
  'balance_out_of_range',
  'invalid_state',
  'plan_archived',
  'feature_not_found',
  'invalid_token',
  'invalid_signature',
  // payment (402): the processor's decline codes Ledger knows; others arrive as card_declined
  'payment_declined',
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'processing_error',
  // the processor failed (502) or did not answer in time (504)
  'provider_error',
  'provider_timeout',
  // auth
  'unauthenticated',
  'permission_denied',
  // not found
  'not_found',
  'customer_not_found',
  'payment_method_not_found',
  'plan_not_found',
  'subscription_not_found',
  'invoice_not_found',
  'event_not_found',
  'webhook_endpoint_not_found',
  'portal_session_not_found',
  // conflicts
  'duplicate_customer_email',
  'duplicate_plan_slug',
  'idempotency_key_reused',
  'idempotency_key_in_use',
  'invoice_payment_in_progress',
  // transport
  'body_too_large',
  'headers_too_large',
  'rate_limited',
  'internal_error',
  'database_unavailable',
] as const;

/** A code from {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Options that locate and explain an error for the caller. */
export interface LedgerErrorOptions {
  /** The input parameter at fault, as a path (`['billingAddress', 'country']`). */
  param?: ReadonlyArray<string | number>;
  /** The parameter exactly as the caller wrote it, when a path cannot say it (wire-level keys). */
  paramText?: string;
  /**
   * The message as a function of the parameter's name, for messages that name it: each door
   * names parameters its own way (REST `tax_ids[0].value`, tRPC `taxIds[0].value`), so the door
   * renders the message instead of rewriting the text. Without it the message is used as given.
   */
  describe?: (param: string) => string;
  /** Extra machine-readable facts (e.g. the currencies that did not match). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The only error type domain services throw. It carries a closed `code` and, for input errors,
 * the path of the offending parameter, so both the REST shim and tRPC can render the documented
 * envelope without guessing.
 */
export class LedgerError extends Error {
  readonly code: ErrorCode;
  readonly param: ReadonlyArray<string | number> | undefined;
  readonly paramText: string | undefined;
  readonly details: Record<string, unknown>;
  readonly describe: ((param: string) => string) | undefined;

  constructor(code: ErrorCode, message: string, options: LedgerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LedgerError';
    this.code = code;
    this.param = options.param;
    this.paramText = options.paramText;
    this.details = options.details ?? {};
    this.describe = options.describe;
  }

  /** The message with the parameter named as a door names it (see `describe`). */
  messageFor(param: string): string {
    return this.describe ? this.describe(param) : this.message;
  }
}

/** True when `error` is a {@link LedgerError}, optionally with one given code. */
export function isLedgerError(error: unknown, code?: ErrorCode): error is LedgerError {
  return error instanceof LedgerError && (code === undefined || error.code === code);
}

/** A parameter path as written in messages: `['taxIds', 0, 'value']` → `taxIds[0].value`. */
export function formatParam(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}
