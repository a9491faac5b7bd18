import { LedgerError } from '../errors.js';
import type { WebhookSecrets } from './ports.js';

function notConfigured(): never {
  throw new LedgerError(
    'invalid_state',
    'Webhook endpoints are not configured here (no secrets port: the server makes one from LEDGER_SECRET_KEY)',
  );
}

/**
 * The secrets port of a program that sends no webhooks (the domain used as a library, tests of
 * other verbs): creating or rotating an endpoint says so instead of storing a secret unsealed.
 */
export const noWebhookSecrets: WebhookSecrets = {
  generate: notConfigured,
  seal: notConfigured,
  open: notConfigured,
};
