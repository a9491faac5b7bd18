import type { PaymentsPort } from '../billing/ports.js';
import { LedgerError } from '../errors.js';
import { declineCode } from './decline-codes.js';
import type { CardDetails } from './model.js';

interface TestCard {
  card: CardDetails;
  /** Refused when attached (Stripe refuses declining cards at attach time). */
  attachError?: { code: string; message: string };
  /** Declined when charged. */
  chargeError?: { code: string; message: string };
}

const card = (brand: string, last4: string, country = 'US'): CardDetails => ({
  brand,
  last4,
  expMonth: 12,
  expYear: 2034,
  country,
});
const declined = { code: 'card_declined', message: 'Your card was declined.' };

/** Stripe's documented test tokens and their outcomes. */
export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  tok_visa: { card: card('visa', '4242') },
  tok_visa_debit: { card: card('visa', '5556') },
  tok_mastercard: { card: card('mastercard', '4444') },
  tok_mastercard_debit: { card: card('mastercard', '8210') },
  tok_amex: { card: card('amex', '8431') },
  tok_discover: { card: card('discover', '1117') },
  tok_jcb: { card: card('jcb', '0000', 'JP') },
  tok_unionpay: { card: card('unionpay', '0005', 'CN') },
  tok_gb: { card: card('visa', '0002', 'GB') },
  tok_de: { card: card('visa', '0000', 'DE') },
  tok_fr: { card: card('visa', '0003', 'FR') },
  tok_chargeCustomerFail: { card: card('visa', '0341'), chargeError: declined },
  tok_chargeDeclined: { card: card('visa', '0002'), attachError: declined },
  tok_chargeDeclinedInsufficientFunds: {
    card: card('visa', '9995'),
    attachError: { code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  tok_chargeDeclinedFraudulent: {
    card: card('visa', '0019'),
    attachError: { code: 'fraudulent', message: 'Your card was declined.' },
  },
  tok_chargeDeclinedExpiredCard: {
    card: card('visa', '0069'),
    attachError: { code: 'expired_card', message: 'Your card has expired.' },
  },
  tok_chargeDeclinedIncorrectCvc: {
    card: card('visa', '0127'),
    attachError: { code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  },
  tok_chargeDeclinedProcessingError: {
    card: card('visa', '0119'),
    attachError: {
      code: 'processing_error',
      message: 'An error occurred while processing your card.',
    },
  },
};

/** `pm_card_visa` is Stripe's payment-method form of `tok_visa`; both are accepted. */
function lookup(token: string): TestCard | undefined {
  const key = token.startsWith('pm_card_') ? `tok_${token.slice('pm_card_'.length)}` : token;
  return TEST_CARDS[key];
}

function refuse(error: { code: string; message: string }): never {
  throw new LedgerError(declineCode(error.code), error.message, {
    details: { decline_code: error.code },
  });
}

/**
 * The built-in processor used when no Stripe key is configured, so the embedded default can take a
 * card end to end. It honours Stripe's test tokens with Stripe's outcomes and keeps nothing in
 * memory: the processor id encodes the token, so any server process can charge it.
 */
export function createTestProcessor(): PaymentsPort {
  return {
    processor: 'test',
    async createCustomer({ customer }) {
      return `test_cus_${customer.id}`;
    },
    async attachPaymentMethod({ token }) {
      const test = lookup(token);
      if (!test) {
        throw new LedgerError('invalid_token', `Unknown test token "${token}" (try tok_visa)`, {
          param: ['token'],
        });
      }
      if (test.attachError) refuse(test.attachError);
      return {
        processorId: `test_pm_${token}_${crypto.randomUUID().slice(0, 8)}`,
        card: test.card,
      };
    },
    async detachPaymentMethod() {},
    async deleteCustomer() {},
    async charge({ paymentMethodProcessorId, idempotencyKey }) {
      const token = paymentMethodProcessorId.replace(/^test_pm_/, '').replace(/_[0-9a-f]{8}$/, '');
      const test = lookup(token);
      const error = test ? test.chargeError : declined;
      if (error)
        return {
          status: 'failed',
          processor: 'test',
          processorRef: `test_pi_${idempotencyKey}`,
          code: error.code,
          message: error.message,
        };
      return { status: 'succeeded', processor: 'test', processorRef: `test_pi_${idempotencyKey}` };
    },
    // The test processor takes no real money, so there is nothing to give back.
    async refund() {},
  };
}
