import { type ChargeOutcome, declineCode, LedgerError } from '@ledger/domain';
import Stripe from 'stripe';

/**
 * A Stripe decline's code as Ledger records it: the issuer's specific reason
 * (`insufficient_funds`, `expired_card`, …) when Stripe gives one, else Stripe's code, so a
 * generic decline reads `card_declined` as it does with the test processor. Takes a card error
 * or a PaymentIntent's `last_payment_error`.
 */
export function stripeDeclineCode(error: {
  decline_code?: string | null | undefined;
  code?: string | null | undefined;
}): string {
  const reason = error.decline_code;
  return reason && reason !== 'generic_decline' ? reason : (error.code ?? 'card_declined');
}

/**
 * A charge that Stripe refused for good, as a failed outcome (a payment row, the invoice
 * `past_due` and the normal retry schedule), or null when the error is not one.
 *
 * - A card error (402) is a decline: the issuer's code.
 * - An invalid request (400/404, e.g. `amount_too_small`, an amount of a three-decimal currency
 *   whose last digit is not 0, a payment method gone at Stripe) fails the same way however often
 *   it is sent: Stripe's code, or `invalid_request` when it gives none. As a `provider_error` it
 *   would be rescheduled hourly forever.
 *
 * Everything else (connection errors, 5xx and 409, rate limits, authentication and permission,
 * idempotency errors) is Stripe's or Ledger's side, not the charge's: `toLedgerError` makes it
 * `provider_error`/`provider_timeout`, which records no attempt and retries the same key.
 */
export function stripeChargeFailure(
  error: unknown,
): Extract<ChargeOutcome, { status: 'failed' }> | null {
  const permanent =
    error instanceof Stripe.errors.StripeCardError ||
    error instanceof Stripe.errors.StripeInvalidRequestError;
  if (!permanent) return null;
  return {
    status: 'failed',
    processor: 'stripe',
    // Set when Stripe created the PaymentIntent before refusing it (a decline).
    processorRef: error.payment_intent?.id ?? null,
    code:
      error instanceof Stripe.errors.StripeCardError
        ? stripeDeclineCode(error)
        : (error.code ?? 'invalid_request'),
    message: error.message,
  };
}

/**
 * Stripe's failures in Ledger's codes: card errors are declines (402, the processor's code);
 * an unknown token or method is `invalid_token` (400); a request that timed out is
 * `provider_timeout` (504); anything else (5xx, connection, auth, rate limit, other invalid
 * requests) is `provider_error` (502). The Stripe request id rides along for support. A charge
 * first goes through `stripeChargeFailure`, so its invalid requests never get here.
 */
export function toLedgerError(error: unknown): LedgerError {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return new LedgerError('provider_error', 'The payment processor failed', { cause: error });
  }
  const details = { processor: 'stripe', stripe_request_id: error.requestId ?? null };
  if (error instanceof Stripe.errors.StripeCardError) {
    const code = stripeDeclineCode(error);
    return new LedgerError(declineCode(code), error.message, {
      details: { ...details, decline_code: code },
    });
  }
  if (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    (error.code === 'resource_missing' || error.param === 'card[token]')
  ) {
    return new LedgerError('invalid_token', error.message, { param: ['token'], details });
  }
  if (error instanceof Stripe.errors.StripeConnectionError && /timeout/i.test(error.message)) {
    return new LedgerError('provider_timeout', 'The payment processor did not answer in time', {
      details,
      cause: error,
    });
  }
  return new LedgerError('provider_error', 'The payment processor failed', {
    details,
    cause: error,
  });
}
