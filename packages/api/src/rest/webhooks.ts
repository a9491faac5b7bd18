import { applyProcessorEvent, LedgerError } from '@ledger/domain';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.js';
import { requestText } from '../http/body-limit.js';
import type { AppEnv } from '../http/env.js';
import { requestHeader } from '../http/node-request.js';

/**
 * `POST /webhooks/stripe`: the signature is checked on the raw body with the SDK and
 * `STRIPE_WEBHOOK_SECRET` (forged or stale deliveries are refused), then the event is applied once
 * however often Stripe delivers it. Events Ledger does not act on are acknowledged and ignored.
 */
export function webhookRoutes(deps: ApiDeps) {
  return new Hono<AppEnv>().post('/stripe', async (c) => {
    const verify = deps.webhooks.stripe;
    if (!verify) throw new LedgerError('not_found', 'Stripe webhooks are not configured');
    const signature = requestHeader(c, 'Stripe-Signature');
    if (!signature) {
      throw new LedgerError('invalid_signature', 'The Stripe-Signature header is missing', {
        param: ['Stripe-Signature'],
      });
    }
    const event = verify(await requestText(c), signature);
    const result = event ? await applyProcessorEvent(deps, event) : 'ignored';
    return c.json({ received: true, result });
  });
}
