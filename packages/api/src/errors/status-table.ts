import type { ErrorCode } from '@ledger/domain';

/** The `type` families of the error envelope (REST.md "Errors"). */
export type ErrorType =
  | 'validation'
  | 'authentication'
  | 'payment'
  | 'permission'
  | 'not_found'
  | 'conflict'
  | 'rate_limit'
  | 'server'
  | 'provider';

/** HTTP statuses Ledger answers errors with. */
export type ErrorStatus =
  | 400
  | 401
  | 402
  | 403
  | 404
  | 409
  | 413
  | 429
  | 431
  | 500
  | 502
  | 503
  | 504;

/**
 * The one table from error code to HTTP status and envelope type. Both doors (REST's `onError`
 * and tRPC's error formatter) read it, so a code means the same thing everywhere; the
 * `Record<ErrorCode, …>` type makes a new code without a row a compile error.
 */
export const ERROR_TABLE: Record<ErrorCode, { status: ErrorStatus; type: ErrorType }> = {
  invalid_input: { status: 400, type: 'validation' },
  invalid_json: { status: 400, type: 'validation' },
  invalid_id: { status: 400, type: 'validation' },
  invalid_email: { status: 400, type: 'validation' },
  invalid_currency: { status: 400, type: 'validation' },
  invalid_country: { status: 400, type: 'validation' },
  invalid_tax_id: { status: 400, type: 'validation' },
  invalid_metadata: { status: 400, type: 'validation' },
  invalid_amount: { status: 400, type: 'validation' },
  invalid_cursor: { status: 400, type: 'validation' },
  invalid_webhook_url: { status: 400, type: 'validation' },
  customer_deleted: { status: 400, type: 'validation' },
  currency_locked: { status: 400, type: 'validation' },
  currency_mismatch: { status: 400, type: 'validation' },
  has_active_subscriptions: { status: 400, type: 'validation' },
  balance_out_of_range: { status: 400, type: 'validation' },
  invalid_state: { status: 400, type: 'validation' },
  plan_archived: { status: 400, type: 'validation' },
  feature_not_found: { status: 400, type: 'validation' },
  invalid_token: { status: 400, type: 'validation' },
  invalid_signature: { status: 400, type: 'validation' },
  payment_declined: { status: 402, type: 'payment' },
  card_declined: { status: 402, type: 'payment' },
  insufficient_funds: { status: 402, type: 'payment' },
  expired_card: { status: 402, type: 'payment' },
  incorrect_cvc: { status: 402, type: 'payment' },
  processing_error: { status: 402, type: 'payment' },
  provider_error: { status: 502, type: 'provider' },
  provider_timeout: { status: 504, type: 'provider' },
  unauthenticated: { status: 401, type: 'authentication' },
  permission_denied: { status: 403, type: 'permission' },
  not_found: { status: 404, type: 'not_found' },
  customer_not_found: { status: 404, type: 'not_found' },
  payment_method_not_found: { status: 400, type: 'validation' },
  plan_not_found: { status: 404, type: 'not_found' },
  subscription_not_found: { status: 404, type: 'not_found' },
  invoice_not_found: { status: 404, type: 'not_found' },
  event_not_found: { status: 404, type: 'not_found' },
  webhook_endpoint_not_found: { status: 404, type: 'not_found' },
  portal_session_not_found: { status: 404, type: 'not_found' },
  duplicate_customer_email: { status: 409, type: 'conflict' },
  duplicate_plan_slug: { status: 409, type: 'conflict' },
  idempotency_key_reused: { status: 409, type: 'conflict' },
  idempotency_key_in_use: { status: 409, type: 'conflict' },
  invoice_payment_in_progress: { status: 409, type: 'conflict' },
  body_too_large: { status: 413, type: 'validation' },
  headers_too_large: { status: 431, type: 'validation' },
  rate_limited: { status: 429, type: 'rate_limit' },
  internal_error: { status: 500, type: 'server' },
  database_unavailable: { status: 503, type: 'server' },
};
