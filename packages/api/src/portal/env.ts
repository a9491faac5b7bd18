import type {
  Customer,
  PortalConfiguration,
  Scope,
  ServiceContext,
  StoredPortalSession,
} from '@ledger/domain';

/** What every signed-in portal page knows: one session, one customer, its scope's settings. */
export interface PortalState {
  scope: Scope;
  session: StoredPortalSession;
  customer: Customer;
  configuration: PortalConfiguration;
  /** The domain's ports for this scope: every action runs the same verbs as the API. */
  services: ServiceContext;
  /** Stripe.js's key when Stripe collects cards (SetupIntents); null with other processors. */
  stripePublishableKey: string | null;
}

/** Hono variables of the portal's routes. */
export interface PortalEnv {
  Variables: {
    /** This response's CSP nonce (for the one script tag a page may carry). */
    nonce: string;
    portal: PortalState;
  };
}
