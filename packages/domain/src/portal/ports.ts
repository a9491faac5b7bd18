import type { CustomerId } from '../ids.js';
import type { Scope } from '../scope.js';
import type { PortalConfiguration } from './configuration.js';
import type { PortalSessionId, StoredPortalSession } from './model.js';

/** Where portal links point: the server's public URL (`LEDGER_PUBLIC_URL`) + the token's path. */
export interface PortalLinks {
  sessionUrl(token: string): string;
}

/** Portal sessions and configuration. Sessions live here, so every process honours a revocation. */
export interface PortalStore {
  insertPortalSession(scope: Scope, session: StoredPortalSession): Promise<void>;
  getPortalSession(scope: Scope, id: PortalSessionId): Promise<StoredPortalSession | null>;
  /**
   * Opens a link once: sets `usedAt`, the browser session's end and its cookie hash on the
   * session with this token hash, only if it is unused, unrevoked and unexpired at `now`, in one
   * statement (two clicks cannot both win). Returns the session and its scope, or, when it did
   * not open, the session as it is (null when no session has this token).
   */
  openPortalLink(
    tokenHash: string,
    now: Date,
    opened: { cookieHash: string; sessionExpiresAt: Date },
  ): Promise<{ scope: Scope; session: StoredPortalSession; opened: boolean } | null>;
  /** The live browser session with this cookie hash (unrevoked, unexpired at `now`), any scope. */
  findPortalSessionByCookie(
    cookieHash: string,
    now: Date,
  ): Promise<{ scope: Scope; session: StoredPortalSession } | null>;
  /** Revokes one session (keeps the first `revokedAt`); returns it, null when not found. */
  revokePortalSession(
    scope: Scope,
    id: PortalSessionId,
    at: Date,
  ): Promise<StoredPortalSession | null>;
  /** Revokes every unrevoked session of a customer (the customer was deleted). */
  revokeCustomerPortalSessions(scope: Scope, customerId: CustomerId, at: Date): Promise<number>;
  /** The scope's configuration as stored, or null when it never set one. */
  getPortalConfiguration(scope: Scope): Promise<PortalConfiguration | null>;
  putPortalConfiguration(scope: Scope, configuration: PortalConfiguration): Promise<void>;
}
