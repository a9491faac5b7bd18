import { loadCustomer } from '../customer/load-customer.js';
import { LedgerError } from '../errors.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { loadPortalConfiguration } from './get-portal-configuration.js';
import { type CreatedPortalSession, portalSessionView, type StoredPortalSession } from './model.js';
import { CreatePortalSessionInput } from './schemas.js';
import { hashPortalToken, newPortalToken } from './tokens.js';

/**
 * Makes a single-use link to the billing portal for one customer. Only the token's hash is
 * stored; the link (`url`) is in this answer alone. A deleted customer gets `customer_deleted`.
 */
export async function createPortalSession(
  ctx: ServiceContext,
  input: CreatePortalSessionInput,
): Promise<CreatedPortalSession> {
  const { customerId, returnUrl, expiresIn } = parseInput(CreatePortalSessionInput, input);
  const token = newPortalToken();
  const tokenHash = await hashPortalToken(token);
  const session = await inTransaction(ctx, async (tx) => {
    const customer = await loadCustomer(tx, ctx, customerId, { param: 'customerId' });
    if (customer.status === 'deleted') {
      throw new LedgerError('customer_deleted', `Customer ${customerId} is deleted`, {
        param: ['customerId'],
      });
    }
    const back = returnUrl ?? (await loadPortalConfiguration(tx, ctx.scope)).defaultReturnUrl;
    if (!back) {
      throw new LedgerError(
        'invalid_input',
        'return_url is required (the portal configuration has no default_return_url)',
        { param: ['returnUrl'] },
      );
    }
    const now = ctx.clock.now();
    const stored: StoredPortalSession = {
      id: ctx.ids.newId('portalSession'),
      customerId,
      returnUrl: back,
      expiresAt: new Date(now.getTime() + expiresIn * 1000),
      createdAt: now,
      usedAt: null,
      sessionExpiresAt: null,
      revokedAt: null,
      tokenHash,
      cookieHash: null,
      csrfToken: newPortalToken(),
    };
    await tx.insertPortalSession(ctx.scope, stored);
    return stored;
  });
  return { ...portalSessionView(session), url: ctx.portalLinks.sessionUrl(token) };
}
