import { LedgerError } from '../errors.js';
import type { StoredWebhookEndpoint } from './model.js';

/** Sends and replays go to enabled endpoints only: a disabled one is enabled first. */
export function assertEnabled(endpoint: StoredWebhookEndpoint): void {
  if (endpoint.status !== 'enabled') {
    throw new LedgerError('invalid_state', 'The webhook endpoint is disabled; enable it first', {
      param: ['id'],
      details: { status: endpoint.status, disabled_reason: endpoint.disabledReason },
    });
  }
}
