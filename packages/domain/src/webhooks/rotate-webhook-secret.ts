import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { loadEndpoint } from './load-endpoint.js';
import { RotateWebhookSecretInput } from './schemas.js';
import { endpointView, type WebhookEndpointWithSecret } from './view.js';

/**
 * Gives the endpoint a new secret, returned this once. For `expirePreviousIn` seconds the old
 * secret keeps signing too (both signatures are sent), so a receiver can switch without a gap;
 * 0 retires it at once.
 */
export async function rotateWebhookSecret(
  ctx: ServiceContext,
  input: RotateWebhookSecretInput,
): Promise<WebhookEndpointWithSecret> {
  const { id, expirePreviousIn } = parseInput(RotateWebhookSecretInput, input);
  const secret = ctx.webhookSecrets.generate();
  const now = ctx.clock.now();
  const endpoint = await inTransaction(ctx, async (tx) => {
    const current = await loadEndpoint(tx, ctx, id, { forUpdate: true });
    const overlap = expirePreviousIn > 0;
    const next = {
      ...current,
      sealedSecret: ctx.webhookSecrets.seal(secret),
      sealedPreviousSecret: overlap ? current.sealedSecret : null,
      previousSecretExpiresAt: overlap ? new Date(now.getTime() + expirePreviousIn * 1000) : null,
      updatedAt: now,
    };
    await tx.updateWebhookEndpoint(ctx.scope, next);
    return next;
  });
  // The secret answered is the one stored, even when a keyed retry resumes after the commit.
  return { ...endpointView(endpoint), secret: ctx.webhookSecrets.open(endpoint.sealedSecret) };
}
