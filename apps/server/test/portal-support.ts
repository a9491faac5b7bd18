import { expect } from 'vitest';
import type { TestLedger } from './harness.js';

/** A portal page as fetched: status, headers and its HTML. */
export interface PortalPage {
  status: number;
  headers: Headers;
  html: string;
  /** Where a 303 points. */
  location: string | null;
}

/** A signed-in portal browser session over plain HTTP (cookie and CSRF token handled). */
export interface PortalVisit {
  /** The session's id (`bps_…`), for revoking it over the API. */
  sessionId: string;
  cookie: string;
  get(path: string): Promise<PortalPage>;
  /** Posts a form as the portal's own page would: its CSRF token, same-origin headers. */
  post(
    path: string,
    fields?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<PortalPage>;
}

async function read(res: Response): Promise<PortalPage> {
  return {
    status: res.status,
    headers: res.headers,
    html: await res.text(),
    location: res.headers.get('location'),
  };
}

/** The value of the first `_csrf` hidden field of a page. */
export function csrfOf(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]+)"/);
  if (!match?.[1]) throw new Error('the page has no CSRF field');
  return match[1];
}

/**
 * Creates a portal session for `customerId` through the API (scope A's key unless `key` says
 * otherwise), opens its link like a browser (303 + cookie) and returns the signed-in session.
 */
export async function openPortal(
  t: TestLedger,
  customerId: string,
  options: { key?: string; returnUrl?: string } = {},
): Promise<PortalVisit> {
  const created = await t.rest<{ id: string; url: string }>(
    'POST',
    `/ledger/customers/${customerId}/portal`,
    {
      body: { return_url: options.returnUrl ?? 'https://app.example.com/account' },
      ...(options.key ? { key: options.key } : {}),
    },
  );
  expect(created.status, created.text).toBe(200);
  const opened = await fetch(created.body.url, { redirect: 'manual' });
  expect(opened.status).toBe(303);
  const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^ledger_portal=/);
  const origin = new URL(t.url).origin;
  const visit: PortalVisit = {
    sessionId: created.body.id,
    cookie,
    async get(path) {
      return read(await fetch(`${t.url}${path}`, { headers: { cookie }, redirect: 'manual' }));
    },
    async post(path, fields = {}, headers = {}) {
      const form = await visit.get('/portal');
      const body = new URLSearchParams({ _csrf: csrfOf(form.html), ...fields });
      return read(
        await fetch(`${t.url}${path}`, {
          method: 'POST',
          headers: {
            cookie,
            origin,
            'sec-fetch-site': 'same-origin',
            'content-type': 'application/x-www-form-urlencoded',
            ...headers,
          },
          body,
          redirect: 'manual',
        }),
      );
    },
  };
  return visit;
}
