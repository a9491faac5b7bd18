import type { CustomerId, Id } from '../ids.js';

/** A portal session's id (`bps_…`). */
export type PortalSessionId = Id<'portalSession'>;

/**
 * A portal session as the API shows it. The link (`url`) is shown only when it is created; it
 * works once, until `expiresAt`; the browser session it opens lasts until `sessionExpiresAt`.
 */
export interface PortalSession {
  id: PortalSessionId;
  customerId: CustomerId;
  returnUrl: string;
  /** When the link stops working if it was never opened. */
  expiresAt: Date;
  createdAt: Date;
  /** When the link was opened (it works only once). */
  usedAt: Date | null;
  /** When the browser session the link opened ends (1 hour after `usedAt`). */
  sessionExpiresAt: Date | null;
  revokedAt: Date | null;
}

/**
 * A session as stored: only SHA-256 hashes of the link's token and of the browser cookie, so a
 * database dump opens no portal; the CSRF token every form posts back.
 */
export interface StoredPortalSession extends PortalSession {
  tokenHash: string;
  cookieHash: string | null;
  csrfToken: string;
}

/** A new session's answer: the session and its single-use link. */
export type CreatedPortalSession = PortalSession & { url: string };

/** How long the browser session a link opens lasts: 1 hour. */
export const PORTAL_BROWSER_SESSION_MS = 3_600_000;

/** Why a link does not open a session, for the page that says so. */
export type PortalLinkRefusal = 'unknown' | 'used' | 'expired' | 'revoked';

/** The session's view without its secrets. */
export function portalSessionView(stored: StoredPortalSession): PortalSession {
  return {
    id: stored.id,
    customerId: stored.customerId,
    returnUrl: stored.returnUrl,
    expiresAt: stored.expiresAt,
    createdAt: stored.createdAt,
    usedAt: stored.usedAt,
    sessionExpiresAt: stored.sessionExpiresAt,
    revokedAt: stored.revokedAt,
  };
}
