import {
  getCustomer,
  isLedgerError,
  loadPortalConfiguration,
  openPortalLink,
  type PortalLinkRefusal,
  resolvePortalCookie,
  revokePortalSession,
} from '@ledger/domain';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { type ApiDeps, serviceContext } from '../deps.js';
import { PORTAL_CSS } from './assets.js';
import type { PortalEnv } from './env.js';
import { errorPage } from './pages/error-page.js';
import { PORTAL_PAGES } from './pages/index.js';
import { checkForm, type PortalSources, portalHeaders } from './security.js';

/** The browser session's cookie: HttpOnly, SameSite=Lax, only sent to `/portal`. */
export const PORTAL_COOKIE = 'ledger_portal';

/** How the portal is served. */
export interface PortalOptions {
  /** `Secure` cookies: the public URL is https. */
  secureCookies: boolean;
  /** The public URL's origin, accepted as a form's `Origin` behind a proxy. */
  publicOrigin: string | null;
  /** Script, frame and connect sources beyond the portal itself (Stripe.js when configured). */
  sources?: PortalSources;
  /** Stripe's publishable key, for Stripe.js on the add-card page (null: not configured). */
  stripePublishableKey?: string | null;
}

const REFUSALS: Record<PortalLinkRefusal, { title: string; text: string }> = {
  unknown: { title: 'This link does not work', text: 'It is not a billing portal link.' },
  used: {
    title: 'This link was already used',
    text: 'Each link opens the billing portal once. Ask for a new one where you came from.',
  },
  expired: {
    title: 'This link has expired',
    text: 'Billing portal links work for a few minutes. Ask for a new one where you came from.',
  },
  revoked: {
    title: 'This link was revoked',
    text: 'Access through it has been ended. Ask for a new one where you came from.',
  },
};

/**
 * The customer billing portal under `/portal`: the link exchange (a single-use token for a
 * cookie session, then 303 to `/portal`), the session check on every other page, CSRF and
 * origin checks on every form, the security headers, and the pages of `PORTAL_PAGES`.
 */
export function portalRoutes(deps: ApiDeps, options: PortalOptions) {
  const app = new Hono<PortalEnv>();
  const ports = { store: deps.store, clock: deps.clock };
  app.use('*', portalHeaders(options.sources ?? { script: [], frame: [], connect: [] }));

  app.get('/assets/portal.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    return c.body(PORTAL_CSS);
  });

  app.get('/session/:token', async (c) => {
    const result = await openPortalLink(ports, c.req.param('token'));
    if (!result.opened) {
      const { title, text } = REFUSALS[result.reason];
      const back = result.returnUrl ? { href: result.returnUrl, label: 'Go back' } : null;
      return errorPage(c, result.reason === 'unknown' ? 404 : 410, title, text, back);
    }
    setCookie(c, PORTAL_COOKIE, result.cookie, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/portal',
      secure: options.secureCookies,
      expires: result.session.sessionExpiresAt ?? undefined,
    });
    return c.redirect('/portal', 303);
  });

  // Every other page needs a live browser session, and reaches its one customer only.
  app.use('*', async (c, next) => {
    const cookie = getCookie(c, PORTAL_COOKIE);
    const found = cookie ? await resolvePortalCookie(ports, cookie) : null;
    if (!found) {
      return errorPage(
        c,
        401,
        'Your billing session has ended',
        'Sessions end after an hour, when you sign out, or when access is revoked. Open the billing portal again from the app you came from.',
      );
    }
    const services = serviceContext(deps, found.scope);
    const [customer, configuration] = await Promise.all([
      getCustomer(services, { id: found.session.customerId }),
      loadPortalConfiguration(deps.store, found.scope),
    ]);
    c.set('portal', {
      scope: found.scope,
      session: found.session,
      customer,
      configuration,
      services,
      stripePublishableKey: options.stripePublishableKey ?? null,
    });
    return next();
  });
  app.use('*', checkForm(options.publicOrigin));

  app.post('/sign-out', async (c) => {
    const { services, session } = c.get('portal');
    await revokePortalSession(services, { id: session.id });
    deleteCookie(c, PORTAL_COOKIE, { path: '/portal' });
    // A page with a link, not a redirect: the CSP's form-action 'self' would block the hop.
    return errorPage(c, 401, 'You are signed out', 'Your billing session has ended.', {
      href: session.returnUrl,
      label: 'Back to the app',
    });
  });

  for (const register of PORTAL_PAGES) register(app);

  // The parent app's notFound would answer JSON: unknown portal paths get the portal's page.
  app.all('*', (c) =>
    errorPage(c, 404, 'Not found', 'There is no such page in your billing portal.'),
  );
  app.onError((error, c) => {
    if (isLedgerError(error) && error.code.endsWith('_not_found')) {
      return errorPage(c, 404, 'Not found', 'There is no such page in your billing portal.');
    }
    throw error;
  });
  return app;
}
