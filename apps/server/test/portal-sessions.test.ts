import { createHash } from 'node:crypto';
import { CreatedPortalSessionObject, PortalSessionObject } from '@ledger/api';
import { ledgerErrorOf } from '@ledger/client';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinTestLedger, startTestLedger, type TestLedger } from './harness.js';
import { csrfOf, openPortal, type PortalPage } from './portal-support.js';
import { createCustomer, expectError, manualClock, rowsOf } from './support.js';

const RETURN_URL = 'https://app.example.com/account';
const HOUR = 3_600_000;

/** A page fetched without a session (or with the given cookie), not following redirects. */
async function fetchPage(url: string, cookie?: string): Promise<PortalPage> {
  const res = await fetch(url, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });
  return {
    status: res.status,
    headers: res.headers,
    html: await res.text(),
    location: res.headers.get('location'),
  };
}

/** Asserts PORTAL.md's security headers and that no API key reached the page. */
function expectPortalHeaders(page: PortalPage): void {
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
  const scriptSrc = csp.split(';').find((part) => part.trim().startsWith('script-src')) ?? '';
  expect(scriptSrc).not.toBe('');
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.html).not.toContain('ldg_');
}

describe.each(testDatabaseKinds())('portal sessions on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-03-01T10:00:00.000Z');
  let customerId: string;

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
    customerId = (await createCustomer(t, { name: 'Sam Session', email: 'sam@example.com' })).id;
  });
  afterAll(() => t.close());

  const create = (id: string, body: Record<string, unknown>, key?: string) =>
    t.rest('POST', `/ledger/customers/${id}/portal`, { body, ...(key ? { key } : {}) });
  const link = async (body: Record<string, unknown> = { return_url: RETURN_URL }) => {
    const res = await create(customerId, body);
    expect(res.status, res.text).toBe(200);
    return CreatedPortalSessionObject.parse(res.body);
  };
  const sessionRow = async (id: string) => {
    const rows = rowsOf(
      await t.database.db.execute(`select * from portal_sessions where id = '${id}'`),
    );
    expect(rows).toHaveLength(1);
    return rows[0] ?? {};
  };

  it('creates a single-use link: the documented answer, a 256-bit token, 300 s by default', async () => {
    const res = await create(customerId, { return_url: RETURN_URL });
    expect(res.status, res.text).toBe(200);
    const session = CreatedPortalSessionObject.parse(res.body);
    expect(session).toMatchObject({
      customer_id: customerId,
      return_url: RETURN_URL,
      used_at: null,
      revoked_at: null,
    });
    expect(session.id).toMatch(/^bps_/);
    const prefix = `${t.url}/portal/session/`;
    expect(session.url.startsWith(prefix)).toBe(true);
    const token = session.url.slice(prefix.length);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    const lifetime = Date.parse(session.expires_at) - Date.parse(session.created_at);
    expect(lifetime).toBe(300_000);
    expect(session.created_at).toBe(time.now.toISOString());
  });

  it('stores only the SHA-256 of the token and of the cookie', async () => {
    const session = await link();
    const token = session.url.split('/').pop() ?? '';
    const before = await sessionRow(session.id);
    expect(before.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(Object.values(before).map(String).join(' ')).not.toContain(token);
    const opened = await fetch(session.url, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0]?.split('=')[1] ?? '';
    expect(cookie.length).toBeGreaterThanOrEqual(22);
    const after = await sessionRow(session.id);
    const stored = Object.values(after).map(String).join(' ');
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(cookie);
    expect(after.cookie_hash).toBe(createHash('sha256').update(cookie).digest('hex'));
  });

  it('creates over tRPC (customer.portal.create) with expires_in of its own', async () => {
    const created = await t.client().customer.portal.create.mutate({
      customerId,
      returnUrl: RETURN_URL,
      expiresIn: 600,
    });
    expect(created.id).toMatch(/^bps_/);
    expect(created.url.startsWith(`${t.url}/portal/session/`)).toBe(true);
    expect(created.expiresAt.getTime() - created.createdAt.getTime()).toBe(600_000);
    const refused = await t
      .client()
      .customer.portal.create.mutate({ customerId, returnUrl: RETURN_URL, expiresIn: 30 })
      .then(
        () => null,
        (error: unknown) => ledgerErrorOf(error),
      );
    expect(refused).toMatchObject({ code: 'invalid_input', param: 'expiresIn' });
  });

  it('takes expires_in from 60 to 86400 seconds and refuses anything else', async () => {
    for (const seconds of [60, 86_400]) {
      const session = await link({ return_url: RETURN_URL, expires_in: seconds });
      expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBe(seconds * 1000);
    }
    for (const seconds of [59, 86_401, 0, -1, 1.5, 'soon']) {
      expectError(
        await create(customerId, { return_url: RETURN_URL, expires_in: seconds }),
        400,
        'invalid_input',
        'expires_in',
      );
    }
  });

  it('needs an http(s) return_url unless the configuration has a default_return_url', async () => {
    expectError(await create(customerId, {}), 400, 'invalid_input', 'return_url');
    for (const url of ['ftp://app.example.com', 'javascript:alert(1)', 'not a url', '/relative']) {
      expectError(
        await create(customerId, { return_url: url }),
        400,
        'invalid_input',
        'return_url',
      );
    }
    const set = await t.rest('PUT', '/ledger/portal/configuration', {
      body: { default_return_url: 'https://app.example.com/default' },
    });
    expect(set.status, set.text).toBe(200);
    try {
      const session = await link({});
      expect(session.return_url).toBe('https://app.example.com/default');
      expect((await link()).return_url).toBe(RETURN_URL);
    } finally {
      await t.rest('PUT', '/ledger/portal/configuration', { body: { default_return_url: null } });
    }
  });

  it("refuses a deleted customer (400 customer_deleted) and another scope's (404)", async () => {
    const gone = await createCustomer(t, { email: 'gone@example.com' });
    expect((await t.rest('DELETE', `/ledger/customers/${gone.id}`)).status).toBe(204);
    expectError(await create(gone.id, { return_url: RETURN_URL }), 400, 'customer_deleted');
    expectError(
      await create(customerId, { return_url: RETURN_URL }, t.keyB),
      404,
      'customer_not_found',
    );
  });

  it('opens once: 303 to /portal with the session cookie, then a page saying it was used', async () => {
    const session = await link();
    const opened = await fetchPage(session.url);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/portal');
    const setCookie = opened.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^ledger_portal=[A-Za-z0-9_-]{22,};/);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(setCookie).toMatch(/;\s*Path=\/portal(;|$)/);
    expect(setCookie).not.toMatch(/;\s*Secure/i);
    const cookie = setCookie.split(';')[0] ?? '';
    const home = await fetchPage(`${t.url}/portal`, cookie);
    expect(home.status).toBe(200);
    expect(home.html).toContain('Sam Session');
    expectPortalHeaders(home);

    const again = await fetchPage(session.url);
    expect(again.status).toBe(410);
    expect(again.html).toContain('already used');
    expect(again.html).toContain(`href="${RETURN_URL}"`);
    expect(again.headers.get('set-cookie')).toBeNull();
    expectPortalHeaders(again);
  });

  it('refuses an expired link (410) and ends the browser session after 1 hour (401)', async () => {
    const short = await link({ return_url: RETURN_URL, expires_in: 60 });
    const visit = await openPortal(t, customerId);
    time.advance(61_000);
    const expired = await fetchPage(short.url);
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('expired');
    expect(expired.html).toContain(`href="${RETURN_URL}"`);
    expectPortalHeaders(expired);

    time.advance(HOUR - 61_000 - 1_000);
    expect((await visit.get('/portal')).status).toBe(200);
    time.advance(1_000);
    const ended = await visit.get('/portal');
    expect(ended.status).toBe(401);
    expect(ended.html).toContain('session has ended');
    expectPortalHeaders(ended);
  });

  it('revokes a link and a live browser session (POST /portal-sessions/{id}/revoke)', async () => {
    const unopened = await link();
    const revoked = await t.rest('POST', `/ledger/portal-sessions/${unopened.id}/revoke`);
    expect(revoked.status, revoked.text).toBe(200);
    const view = PortalSessionObject.parse(revoked.body);
    expect(view.revoked_at).toBe(time.now.toISOString());
    expect(revoked.body).not.toHaveProperty('url');
    const refused = await fetchPage(unopened.url);
    expect(refused.status).toBe(410);
    expect(refused.html).toContain('revoked');
    expect(refused.html).toContain(`href="${RETURN_URL}"`);

    const visit = await openPortal(t, customerId);
    expect((await visit.get('/portal')).status).toBe(200);
    const again = await t.rest('POST', `/ledger/portal-sessions/${visit.sessionId}/revoke`);
    expect(again.status).toBe(200);
    const ended = await visit.get('/portal');
    expect(ended.status).toBe(401);
    expectPortalHeaders(ended);
    expect((await visit.get('/portal/billing-details')).status).toBe(401);

    const twice = await t.client().portal.revokeSession.mutate({ id: visit.sessionId });
    expect(twice.revokedAt?.toISOString()).toBe(again.body.revoked_at);
    expectError(
      await t.rest('POST', `/ledger/portal-sessions/${visit.sessionId}/revoke`, { key: t.keyB }),
      404,
      'portal_session_not_found',
    );
  });

  it('signs out with the CSRF token only: then the cookie opens nothing', async () => {
    const visit = await openPortal(t, customerId);
    const forged = await visit.post('/portal/sign-out', { _csrf: 'not-the-token' });
    expect(forged.status).toBe(403);
    expectPortalHeaders(forged);
    expect((await visit.get('/portal')).status).toBe(200);
    const out = await visit.post('/portal/sign-out');
    expect(out.status).toBe(401);
    expect(out.html).toContain('signed out');
    expect(out.html).toContain(`href="${RETURN_URL}"`);
    expect((await visit.get('/portal')).status).toBe(401);
    expect((await sessionRow(visit.sessionId)).revoked_at).not.toBeNull();
  });

  it('revokes the sessions of a customer that is deleted', async () => {
    const leaving = await createCustomer(t, { name: 'Lee Leaving', email: 'lee@example.com' });
    const visit = await openPortal(t, leaving.id);
    const unopened = CreatedPortalSessionObject.parse(
      (await create(leaving.id, { return_url: RETURN_URL })).body,
    );
    expect((await visit.get('/portal')).status).toBe(200);
    expect((await t.rest('DELETE', `/ledger/customers/${leaving.id}`)).status).toBe(204);
    expect((await visit.get('/portal')).status).toBe(401);
    const link410 = await fetchPage(unopened.url);
    expect(link410.status).toBe(410);
    expect(link410.html).toContain('revoked');
  });

  it('answers an unknown token, and a page without a session, with pages of their own', async () => {
    const unknown = await fetchPage(`${t.url}/portal/session/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expectPortalHeaders(unknown);
    const noSession = await fetchPage(`${t.url}/portal`);
    expect(noSession.status).toBe(401);
    expectPortalHeaders(noSession);
    const forgedCookie = await fetchPage(`${t.url}/portal`, `ledger_portal=${'B'.repeat(43)}`);
    expect(forgedCookie.status).toBe(401);
  });

  it('refuses a post without the token, with a wrong one, or from another site (403), changing nothing', async () => {
    const visit = await openPortal(t, customerId);
    const token = csrfOf((await visit.get('/portal/billing-details')).html);
    const origin = new URL(t.url).origin;
    const send = (fields: Record<string, string>, headers: Record<string, string>) =>
      fetch(`${t.url}/portal/billing-details`, {
        method: 'POST',
        headers: {
          cookie: visit.cookie,
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body: new URLSearchParams(fields),
        redirect: 'manual',
      });
    const change = { name: 'Hijacked Name' };
    const attempts: Array<[string, Record<string, string>, Record<string, string>]> = [
      ['no token', change, { origin }],
      ['a wrong token', { ...change, _csrf: `${token.slice(0, -2)}xx` }, { origin }],
      ['another origin', { ...change, _csrf: token }, { origin: 'https://evil.example' }],
      [
        'a cross-site fetch',
        { ...change, _csrf: token },
        { origin, 'sec-fetch-site': 'cross-site' },
      ],
      ['a same-site fetch', { ...change, _csrf: token }, { 'sec-fetch-site': 'same-site' }],
    ];
    for (const [label, fields, headers] of attempts) {
      const res = await send(fields, headers);
      expect(res.status, label).toBe(403);
      expect(res.headers.get('content-security-policy'), label).toContain("frame-ancestors 'none'");
    }
    const customer = await t.rest<{ name: string }>('GET', `/ledger/customers/${customerId}`);
    expect(customer.body.name).toBe('Sam Session');
    // The same post from the page itself goes through.
    const ok = await send({ ...change, _csrf: token }, { origin, 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(303);
    const restore = await visit.post('/portal/billing-details', { name: 'Sam Session' });
    expect(restore.status).toBe(303);
  });

  it('shows each customer only their own details, and no API key, on every page', async () => {
    const other = await createCustomer(t, { name: 'Olga Other', email: 'olga@example.com' });
    const mine = await openPortal(t, customerId);
    const theirs = await openPortal(t, other.id);
    for (const path of ['/portal', '/portal/billing-details', '/portal/no-such-page']) {
      const page = await mine.get(path);
      expectPortalHeaders(page);
      expect(page.html).not.toContain('Olga Other');
      expect(page.html).not.toContain('olga@example.com');
      const their = await theirs.get(path);
      expect(their.html).not.toContain('Sam Session');
      expect(their.html).not.toContain('sam@example.com');
    }
    expect((await mine.get('/portal')).html).toContain('sam@example.com');
    expect((await theirs.get('/portal')).html).toContain('olga@example.com');
    expect((await mine.get('/portal/no-such-page')).status).toBe(404);
  });

  // Registered on PostgreSQL only (PGlite is one process), so no run reports it skipped.
  if (kind === 'postgres') {
    it('honours a revocation made through another server', async () => {
      const second = await joinTestLedger(t, { clock: time.clock });
      try {
        const visit = await openPortal(t, customerId);
        expect((await visit.get('/portal')).status).toBe(200);
        const revoked = await second.rest(
          'POST',
          `/ledger/portal-sessions/${visit.sessionId}/revoke`,
        );
        expect(revoked.status, revoked.text).toBe(200);
        expect((await visit.get('/portal')).status).toBe(401);
      } finally {
        await second.close();
      }
    });
  }
});

describe('portal sessions behind an https public URL', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger('pglite', {}, { LEDGER_PUBLIC_URL: 'https://billing.example.com' });
  });
  afterAll(() => t.close());

  it('links to the public URL and marks the cookie Secure', async () => {
    const customer = await createCustomer(t, { email: 'secure@example.com' });
    const res = await t.rest('POST', `/ledger/customers/${customer.id}/portal`, {
      body: { return_url: RETURN_URL },
    });
    expect(res.status, res.text).toBe(200);
    const session = CreatedPortalSessionObject.parse(res.body);
    expect(session.url.startsWith('https://billing.example.com/portal/session/')).toBe(true);
    // The proxy in front would forward the path to this server.
    const path = new URL(session.url).pathname;
    const opened = await fetch(`${t.url}${path}`, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    const setCookie = opened.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/;\s*Secure/i);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
  });
});
