import { timingSafeEqual } from 'node:crypto';
import { newPortalToken } from '@ledger/domain';
import type { Context, MiddlewareHandler } from 'hono';
import { requestHeader } from '../http/node-request.js';
import type { PortalEnv } from './env.js';
import { errorPage } from './pages/error-page.js';

/** Origins a portal page may load scripts and frames from, beyond itself (Stripe.js). */
export interface PortalSources {
  script: readonly string[];
  frame: readonly string[];
  connect: readonly string[];
}

/**
 * The headers of every portal answer (PORTAL.md "Security"): a CSP with no inline script but
 * the nonced one, no framing, forms only to itself; nothing cached, no referrer, no sniffing.
 */
export function portalHeaders(sources: PortalSources): MiddlewareHandler<PortalEnv> {
  return async (c, next) => {
    const nonce = newPortalToken();
    c.set('nonce', nonce);
    await next();
    const list = (extra: readonly string[]) => ['', ...extra].join(' ');
    c.header(
      'Content-Security-Policy',
      [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'${list(sources.script)}`,
        "style-src 'self'",
        "img-src 'self' data:",
        `connect-src 'self'${list(sources.connect)}`,
        `frame-src${sources.frame.length ? list(sources.frame) : " 'none'"}`,
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ].join('; '),
    );
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
  };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * True when a state-changing request came from the portal's own pages: the browser says it is
 * same-origin (or typed), and its `Origin`, when sent, is this server's (as reached, or its
 * public URL behind a proxy).
 */
function fromHere(c: Context, publicOrigin: string | null): boolean {
  const site = requestHeader(c, 'Sec-Fetch-Site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = requestHeader(c, 'Origin');
  if (origin === undefined) return true;
  // Under `Referrer-Policy: no-referrer` Chromium sends `Origin: null` even for its own forms;
  // then the browser's own Sec-Fetch-Site must vouch for it.
  if (origin === 'null') return site === 'same-origin';
  return origin === new URL(c.req.url).origin || origin === publicOrigin;
}

/**
 * Refuses a form post that did not come from this session's own page: another site's origin
 * (`Origin`, `Sec-Fetch-Site`) or a missing or wrong CSRF token (`_csrf`). Nothing runs then.
 */
export function checkForm(publicOrigin: string | null): MiddlewareHandler<PortalEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const body = await c.req.parseBody();
    const token = typeof body._csrf === 'string' ? body._csrf : '';
    if (!fromHere(c, publicOrigin) || !sameText(token, c.get('portal').session.csrfToken)) {
      return errorPage(c, 403, 'This form could not be sent', 'Reload the page and try again.');
    }
    return next();
  };
}
