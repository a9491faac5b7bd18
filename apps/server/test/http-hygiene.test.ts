import { connect } from 'node:net';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import type { ErrorBody } from './support.js';

/** What every API answer carries, how a 401 challenges, and two keys in one request. */
describe.each(testDatabaseKinds())('HTTP hygiene on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  it('challenges with WWW-Authenticate: Bearer on every 401, REST and tRPC', async () => {
    const rest = await t.rest('GET', '/ledger/customers', { key: null });
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toBe('Bearer realm="ledger"');
    const trpc = await fetch(`${t.url}/trpc/customer.list`);
    expect(trpc.status).toBe(401);
    expect(trpc.headers.get('www-authenticate')).toBe('Bearer realm="ledger"');
    const ok = await t.rest('GET', '/ledger/customers');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('www-authenticate')).toBeNull();
  });

  it('marks API answers nosniff and no-store, successes and errors alike', async () => {
    for (const res of [
      await t.rest('GET', '/ledger/customers'),
      await t.rest('GET', '/ledger/customers/cus_nope'),
      await fetch(`${t.url}/trpc/customer.list`, {
        headers: { Authorization: `Bearer ${t.keyA}` },
      }),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('refuses two different keys in one request, and takes the same key twice', async () => {
    const refused = await t.rest<ErrorBody>('GET', '/ledger/customers', {
      headers: { 'X-API-Key': t.keyB },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_input', param: 'X-API-Key' });
    const trpc = await fetch(`${t.url}/trpc/customer.list`, {
      headers: { Authorization: `Bearer ${t.keyA}`, 'X-API-Key': t.keyB },
    });
    expect(trpc.status).toBe(400);
    const same = await t.rest('GET', '/ledger/customers', { headers: { 'X-API-Key': t.keyA } });
    expect(same.status).toBe(200);
  });

  it('reads a repeated header whole: two Authorization headers are not taken as the first', async () => {
    // Sent raw: fetch would join the two itself. Node keeps only the first Authorization in
    // `req.headers`; the API reads every repeat, as a fetch Request has them.
    const { hostname: host, port } = new URL(t.url);
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), host, () => {
        socket.write(
          `GET /ledger/customers HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${t.keyA}\r\n` +
            `Authorization: Bearer ${t.keyA}\r\nX-Request-Id: one\r\nX-Request-Id: two\r\nConnection: close\r\n\r\n`,
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(head).toMatch(/^HTTP\/1\.1 401 /);
    // "one, two" is not a token a request id may be: the answer has a fresh one.
    expect(head).toMatch(/\r\nx-request-id: req_[0-9a-z]{26}\r\n/i);
  });

  it('answers no cross-origin request by default', async () => {
    const preflight = await fetch(`${t.url}/ledger/customers`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS opened by LEDGER_CORS_ORIGINS', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger('pglite', {}, { LEDGER_CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(() => t.close());

  it('answers the preflight of a listed origin before authentication', async () => {
    const preflight = await fetch(`${t.url}/ledger/customers`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, idempotency-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'idempotency-key',
    );
    const call = await t.rest('GET', '/ledger/customers', {
      headers: { Origin: 'https://app.example' },
    });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('does not answer an origin that is not listed', async () => {
    const preflight = await fetch(`${t.url}/ledger/customers`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('requests the HTTP parser refuses', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger('pglite');
  });
  afterAll(() => t.close());

  it('answers a 50 kB query string and an oversized header with the 431 envelope', async () => {
    const attempts: Array<{ path: string; headers: Record<string, string> }> = [
      { path: `/ledger/customers?q=${'a'.repeat(50_000)}`, headers: {} },
      { path: '/ledger/customers', headers: { 'X-Padding': 'b'.repeat(40_000) } },
    ];
    for (const init of attempts) {
      const res = await fetch(`${t.url}${init.path}`, {
        headers: { Authorization: `Bearer ${t.keyA}`, ...init.headers },
      });
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as ErrorBody;
      expect(body.error).toMatchObject({ code: 'headers_too_large', type: 'validation' });
      expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
    }
    // The server goes on serving.
    expect((await t.rest('GET', '/ledger/customers')).status).toBe(200);
  });
});
