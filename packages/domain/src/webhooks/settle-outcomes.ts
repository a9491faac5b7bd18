import type { ServiceContext } from '../ports.js';
import { WEBHOOK_FAILING_DISABLE_MS, type WebhookDisabledReason } from './model.js';
import type { WebhookOutcome } from './ports.js';
import { recordEndpointEvent } from './record-endpoint-event.js';

/** The ports settling needs: no scope, since one batch spans every scope. */
export type SettleContext = Pick<ServiceContext, 'store' | 'clock' | 'ids' | 'events'>;

/** Why a failed attempt disables its endpoint, if it does. */
function disableReason(
  outcome: WebhookOutcome,
  failingSince: Date | null,
): WebhookDisabledReason | null {
  if (outcome.responseStatus === 410) return 'gone';
  if (
    failingSince &&
    outcome.attemptedAt.getTime() - failingSince.getTime() >= WEBHOOK_FAILING_DISABLE_MS
  )
    return 'failing';
  return null;
}

/**
 * Records what came of a batch of attempts in one transaction: each attempt settled (retries
 * queued), and an endpoint disabled when it answered `410 Gone` or has failed for 5 days
 * without a success, with one `webhook_endpoint.disabled` event. Attempts whose claim was lost
 * (their lease ran out and another worker took them) are left to that worker.
 */
export async function settleWebhookOutcomes(
  ctx: SettleContext,
  outcomes: readonly WebhookOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return;
  let disabledAny = false;
  await ctx.store.transaction(async (tx) => {
    const settled = await tx.settleWebhookDeliveries(outcomes);
    for (const outcome of settled) {
      if (outcome.succeeded) continue;
      const endpoint = await tx.getWebhookEndpoint(outcome.scope, outcome.endpointId, {
        forUpdate: true,
      });
      if (endpoint?.status !== 'enabled') continue;
      const reason = disableReason(outcome, endpoint.failingSince);
      if (!reason) continue;
      const disabled = {
        ...endpoint,
        status: 'disabled' as const,
        disabledReason: reason,
        updatedAt: ctx.clock.now(),
      };
      await tx.updateWebhookEndpoint(outcome.scope, disabled);
      await recordEndpointEvent(tx, ctx, outcome.scope, 'webhook_endpoint.disabled', disabled);
      disabledAny = true;
    }
  });
  if (disabledAny) ctx.events.notify();
}
