import type { Clock, Store } from '../ports.js';
import type { Scope } from '../scope.js';
import {
  PORTAL_BROWSER_SESSION_MS,
  type PortalLinkRefusal,
  type StoredPortalSession,
} from './model.js';
import { hashPortalToken, newPortalToken } from './tokens.js';

/** What opening a link gave: a browser session (its cookie, shown once) or why not. */
export type OpenedPortalLink =
  | { opened: true; scope: Scope; session: StoredPortalSession; cookie: string }
  | { opened: false; reason: PortalLinkRefusal; returnUrl: string | null };

function refusal(session: StoredPortalSession, now: Date): PortalLinkRefusal {
  if (session.revokedAt) return 'revoked';
  if (session.usedAt) return 'used';
  return session.expiresAt <= now ? 'expired' : 'used';
}

/**
 * Exchanges a link's token for a browser session, once: the first visit before `expiresAt`
 * wins (atomically, in any process) and gets a new cookie for 1 hour; every later visit, an
 * expired or a revoked link gets the reason, with the session's return URL for the page.
 */
export async function openPortalLink(
  ports: { store: Store; clock: Clock },
  token: string,
): Promise<OpenedPortalLink> {
  const now = ports.clock.now();
  const cookie = newPortalToken();
  const found = await ports.store.openPortalLink(await hashPortalToken(token), now, {
    cookieHash: await hashPortalToken(cookie),
    sessionExpiresAt: new Date(now.getTime() + PORTAL_BROWSER_SESSION_MS),
  });
  if (!found) return { opened: false, reason: 'unknown', returnUrl: null };
  if (!found.opened) {
    return {
      opened: false,
      reason: refusal(found.session, now),
      returnUrl: found.session.returnUrl,
    };
  }
  return { opened: true, scope: found.scope, session: found.session, cookie };
}

/** The live browser session a portal cookie belongs to, or null (unknown, expired, revoked). */
export async function resolvePortalCookie(
  ports: { store: Store; clock: Clock },
  cookie: string,
): Promise<{ scope: Scope; session: StoredPortalSession } | null> {
  return ports.store.findPortalSessionByCookie(await hashPortalToken(cookie), ports.clock.now());
}
