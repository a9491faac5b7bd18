import { declineCode, LedgerError } from '@ledger/domain';
import Stripe from 'stripe';

/**
 * A Stripe decline's code as Ledger records it: the issuer's specific reason
 * (`insufficient_funds`, `expired_card`, …) when Stripe gives one, else Stripe's code, so a
 * generic decline reads `card_declined` as it does with the test processor.
 */
export function stripeDeclineCode(error: Stripe.errors.StripeError): string {
  const reason = error.decline_code;
  return reason && reason !== 'generic_decline' ? reason : (error.code ?? 'card_declined');
}

/**
 * Stripe's failures in Ledger's codes: card errors are declines (402, the processor's code);
 * an unknown token or method is `invalid_token` (400); a request that timed out is
 * `provider_timeout` (504); anything else Stripe-side (5xx, connection, auth, rate limit) is
 * `provider_error` (502). The Stripe request id rides along for support.
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
