import { LedgerError } from '../errors.js';
import type { ServiceContext } from '../ports.js';
import { parseInput } from '../validation.js';
import { type PortalSession, portalSessionView } from './model.js';
import { RevokePortalSessionInput } from './schemas.js';

/**
 * Ends a session at once: its link and the browser session it opened stop working in every
 * process (sessions are rows, not signed tokens). Revoking twice keeps the first time.
 */
export async function revokePortalSession(
  ctx: ServiceContext,
  input: RevokePortalSessionInput,
): Promise<PortalSession> {
  const { id } = parseInput(RevokePortalSessionInput, input);
  const revoked = await ctx.store.revokePortalSession(ctx.scope, id, ctx.clock.now());
  if (!revoked) {
    throw new LedgerError('portal_session_not_found', 'No such portal session', { param: ['id'] });
  }
  return portalSessionView(revoked);
}
