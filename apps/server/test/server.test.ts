import { connect } from 'node:net';
import { testDatabaseKinds } from '@ledger/db/testing';
import { type BillingGuards, noBillingGuards } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';

/** Resolves once the returned socket is refused (or fails with the error it got). */
function connectionError(port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error));
  });
}

/**
 * Probes `port` until a connection is refused. A draining server still accepts what reaches its
 * listen queue before it closes the listener, so the first probes may be let in (and closed).
 */
async function refusedSoon(port: number): Promise<string | undefined> {
  let error: NodeJS.ErrnoException | null = null;
  for (let probe = 0; probe < 100; probe++) {
    error = await connectionError(port);
    if (error) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return error?.code;
}

describe.each(testDatabaseKinds())('server on %s', (kind) => {
  let t: TestLedger;

  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  it('answers /healthz without a key', async () => {
    const res = await t.rest('GET', '/healthz', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('still guards the REST routes next to it', async () => {
    const res = await t.rest('GET', '/ledger/customers', { key: null });
    expect(res.status).toBe(401);
  });

  it('serves an OpenAPI 3.1 document without a key, naming itself as the server', async () => {
    const res = await t.rest<{ openapi: string; servers: Array<{ url: string }> }>(
      'GET',
      '/ledger/openapi.json',
      { key: null },
    );
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(res.body.servers).toEqual([{ url: t.url }]);
  });
});

describe.each(testDatabaseKinds())('graceful close on %s', (kind) => {
  it('finishes an in-flight request, then closes, then refuses new connections', async () => {
    const order: string[] = [];
    let reachedGuard!: () => void;
    const inGuard = new Promise<void>((resolve) => {
      reachedGuard = resolve;
    });
    const guards: BillingGuards = {
      ...noBillingGuards,
      async hasActiveSubscriptions() {
        reachedGuard();
        await new Promise((resolve) => setTimeout(resolve, 300));
        order.push('guard answered');
        return false;
      },
    };
    const t = await startTestLedger(kind, { guards });
    let closed = false;
    try {
      const created = await t.rest<{ id: string }>('POST', '/ledger/customers', {
        body: { name: 'Closing', email: 'closing@example.com', currency: 'usd' },
      });
      expect(created.status).toBe(201);

      const deletion = t.rest('DELETE', `/ledger/customers/${created.body.id}`).then((res) => {
        order.push(`DELETE answered ${res.status}`);
        return res;
      });
      await inGuard;
      const closing = t.server.close().then(() => {
        closed = true;
        order.push('server closed');
      });
      // The listener goes once its queue is drained; the request in flight is still answered.
      expect(await refusedSoon(t.server.port)).toBe('ECONNREFUSED');

      const [res] = await Promise.all([deletion, closing]);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      // The request finished before close resolved; whether the client's callback or the
      // server's close runs first after that is up to the event loop, so only that order counts.
      expect(order.indexOf('guard answered')).toBe(0);
      expect(order.indexOf('server closed')).toBeGreaterThan(order.indexOf('guard answered'));
      expect(order).toContain('DELETE answered 204');

      expect((await connectionError(t.server.port))?.code).toBe('ECONNREFUSED');
      await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    } finally {
      if (!closed) await t.close();
    }
  });

  it('closes once, however often it is asked', async () => {
    const t = await startTestLedger(kind);
    const first = t.server.close();
    expect(t.server.close()).toBe(first);
    await Promise.all([first, t.close()]);
    expect((await connectionError(t.server.port))?.code).toBe('ECONNREFUSED');
  });
});
