import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, loadOrCreateKeyFile } from '../src/webhooks/secret-box.js';
import { createWebhookSender, resolvesPublicly, type WebhookSender } from '../src/webhooks/send.js';
import { newWebhookSecret, signWebhook } from '../src/webhooks/signature.js';

function headersFor(id: string, timestamp: number, signature: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  };
}

describe('signWebhook', () => {
  // The Standard Webhooks test vector: the reference JavaScript library's "sign function works"
  // test, libraries/javascript/src/webhook.test.ts in github.com/standard-webhooks/standard-webhooks
  // (the same values are in the specification's other reference libraries' tests). The spec
  // document itself (spec/standard-webhooks.md) gives the scheme but no complete vector.
  it('reproduces the Standard Webhooks reference test vector', () => {
    expect(
      signWebhook(
        ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('makes secrets of 32 random bytes in the whsec_ form', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('is verified by the standardwebhooks library', () => {
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1', note: 'é ✓' } });
    const signature = signWebhook([secret], 'evt_01', now, body);
    expect(new Webhook(secret).verify(body, headersFor('evt_01', now, signature))).toEqual(
      JSON.parse(body),
    );
    expect(() =>
      new Webhook(secret).verify(`${body} `, headersFor('evt_01', now, signature)),
    ).toThrow(WebhookVerificationError);
  });

  it('signs with every secret during a rotation, and each one alone verifies', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const now = Math.floor(Date.now() / 1000);
    const body = '{"type":"customer.created"}';
    const signature = signWebhook([current, previous], 'evt_02', now, body);
    const parts = signature.split(' ');
    expect(parts).toHaveLength(2);
    expect(parts.every((part) => part.startsWith('v1,'))).toBe(true);
    for (const secret of [current, previous]) {
      expect(new Webhook(secret).verify(body, headersFor('evt_02', now, signature))).toEqual({
        type: 'customer.created',
      });
    }
    expect(() =>
      new Webhook(newWebhookSecret()).verify(body, headersFor('evt_02', now, signature)),
    ).toThrow(WebhookVerificationError);
  });

  it('refuses what would make an ambiguous or useless header', () => {
    const secret = newWebhookSecret();
    expect(() => signWebhook([], 'evt_1', 1, '{}')).toThrow(/at least one secret/);
    expect(() => signWebhook([secret], 'evt.1', 1, '{}')).toThrow(/id/);
    expect(() => signWebhook([secret], 'evt_1', 1.5, '{}')).toThrow(/timestamp/);
    expect(() => signWebhook(['whsec_not base64!'], 'evt_1', 1, '{}')).toThrow(/base64/);
  });
});

/** A receiver on 127.0.0.1 that counts what it gets. */
interface Receiver {
  server: Server;
  base: string;
  requests: string[];
  connections: number;
}

async function startReceiver(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<Receiver> {
  const receiver: Receiver = {
    server: createServer(),
    base: '',
    requests: [],
    connections: 0,
  };
  receiver.server.on('connection', () => {
    receiver.connections++;
  });
  receiver.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.requests.push(req.url ?? '');
      handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.base = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
  return receiver;
}

async function stop(receiver: Receiver): Promise<void> {
  receiver.server.closeAllConnections();
  await new Promise((resolve) => receiver.server.close(resolve));
}

describe('createWebhookSender', () => {
  let main: Receiver;
  let target: Receiver;
  let closedPort: number;
  let sender: WebhookSender;
  const slowClosed: Array<() => void> = [];
  const post = (path: string, body = '{"type":"test"}', timeoutMs = 2000) =>
    sender.send({
      url: `${main.base}${path}`,
      headers: { 'content-type': 'application/json', 'webhook-id': 'evt_1' },
      body,
      timeoutMs,
    });

  beforeAll(async () => {
    target = await startReceiver((_req, res) => res.end('redirected'));
    main = await startReceiver((req, res, body) => {
      switch (req.url) {
        case '/ok':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
          break;
        case '/echo':
          res.end(JSON.stringify({ body, headers: req.headers }));
          break;
        case '/fail':
          res.writeHead(500).end('boom');
          break;
        case '/redirect':
          res.writeHead(302, { location: `${target.base}/target` }).end();
          break;
        case '/big':
          res.writeHead(200).end('x'.repeat(10_000));
          break;
        case '/utf8':
          res.writeHead(200).end(`a${'é'.repeat(5000)}`);
          break;
        case '/huge': {
          // Far more than the sender drains: it must close the connection, not read it all.
          res.writeHead(200);
          const chunk = 'y'.repeat(64 * 1024);
          let sent = 0;
          const more = () => {
            while (sent < 400 && res.write(chunk)) sent++;
            if (sent < 400) res.once('drain', more);
            else res.end();
          };
          res.on('error', () => {});
          more();
          break;
        }
        case '/slow':
          // Never answers; tells the test when the sender has hung up on it.
          req.socket.once('close', () => {
            for (const resolve of slowClosed) resolve();
          });
          break;
        default:
          res.writeHead(404).end();
      }
    });
    const closed = await startReceiver(() => {});
    closedPort = (closed.server.address() as AddressInfo).port;
    await stop(closed);
    sender = createWebhookSender({ allowPrivate: true });
  });

  afterAll(async () => {
    sender.close();
    await Promise.all([stop(main), stop(target)]);
  });

  it('posts the body with its headers and reports a 2xx with its excerpt', async () => {
    const ok = await post('/ok');
    expect(ok).toMatchObject({ status: 200, excerpt: 'thanks', error: null });
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    const echo = await post('/echo', '{"amount":"€5"}');
    const seen = JSON.parse(echo.excerpt ?? '') as {
      body: string;
      headers: Record<string, string>;
    };
    expect(seen.body).toBe('{"amount":"€5"}');
    expect(seen.headers['webhook-id']).toBe('evt_1');
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength('{"amount":"€5"}')));
  });

  it('returns a non-2xx status as it is, with no error', async () => {
    expect(await post('/fail')).toMatchObject({ status: 500, excerpt: 'boom', error: null });
  });

  it('does not follow redirects', async () => {
    const response = await post('/redirect');
    expect(response).toMatchObject({ status: 302, error: null });
    expect(target.requests).toEqual([]);
  });

  it('gives up at the timeout, and hangs up', async () => {
    const hungUp = new Promise<void>((resolve) => slowClosed.push(resolve));
    const response = await post('/slow', '{}', 200);
    await hungUp;
    expect(response).toMatchObject({
      status: null,
      excerpt: null,
      error: 'timed out after 200 ms',
    });
  });

  it('keeps at most 1 KiB of the body', async () => {
    const big = await post('/big');
    expect(big.status).toBe(200);
    expect(big.excerpt).toBe('x'.repeat(1024));
    const utf8 = await post('/utf8');
    // 'a' then 511 two-byte 'é' is 1023 bytes: the next 'é' would straddle the 1024th byte.
    expect(utf8.excerpt).toBe(`a${'é'.repeat(511)}`);
    expect(Buffer.byteLength(utf8.excerpt ?? '')).toBeLessThanOrEqual(1024);
  });

  it('closes the connection instead of reading a huge body', async () => {
    const before = main.connections;
    const huge = await post('/huge');
    expect(huge).toMatchObject({ status: 200, excerpt: 'y'.repeat(1024), error: null });
    // The next attempt needs a new connection: the one that carried the huge body is gone.
    expect(await post('/ok')).toMatchObject({ status: 200 });
    expect(main.connections).toBeGreaterThan(before);
  });

  it('reports a refused connection as an error', async () => {
    const response = await sender.send({
      url: `http://127.0.0.1:${closedPort}/`,
      headers: {},
      body: '{}',
      timeoutMs: 2000,
    });
    expect(response.status).toBeNull();
    expect(response.error).toMatch(/ECONNREFUSED/);
  });

  it('reports a URL it cannot send to as an error', async () => {
    const send = (url: string) => sender.send({ url, headers: {}, body: '{}', timeoutMs: 500 });
    expect((await send('not a url')).error).toBe('invalid URL');
    expect((await send('ftp://127.0.0.1/')).error).toBe('unsupported protocol ftp:');
  });

  it('reuses a few keep-alive connections for many attempts', async () => {
    const before = main.connections;
    for (let i = 0; i < 50; i++) {
      expect((await post('/ok')).status).toBe(200);
    }
    expect(main.connections - before).toBeLessThanOrEqual(2);
  });

  describe('without allowPrivate', () => {
    const lookups: Record<string, string[]> = {
      'inside.test': ['10.0.0.1'],
      'mixed.test': ['8.8.8.8', '127.0.0.1'],
      'public.test': ['8.8.8.8', '2606:4700:4700::1111'],
    };
    const lookupAll = async (hostname: string) => {
      const addresses = lookups[hostname];
      if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    let guarded: WebhookSender;
    beforeAll(() => {
      guarded = createWebhookSender({ allowPrivate: false, lookupAll });
    });
    afterAll(() => guarded.close());

    const port = () => new URL(main.base).port;
    const attempt = (url: string) =>
      guarded.send({ url, headers: {}, body: '{}', timeoutMs: 2000 });

    it('refuses private literals and local names without connecting', async () => {
      const before = main.requests.length;
      const connections = main.connections;
      expect(await attempt(`http://127.0.0.1:${port()}/ok`)).toMatchObject({
        status: null,
        error: 'refused: 127.0.0.1 is a private address',
      });
      expect((await attempt(`http://localhost:${port()}/ok`)).error).toBe(
        'refused: localhost is a local name',
      );
      expect((await attempt(`http://[::ffff:127.0.0.1]:${port()}/ok`)).error).toBe(
        'refused: ::ffff:7f00:1 is a private address',
      );
      expect((await attempt(`http://0x7f.1:${port()}/ok`)).error).toBe(
        'refused: 127.0.0.1 is a private address',
      );
      expect(main.requests.length).toBe(before);
      expect(main.connections).toBe(connections);
    });

    it('refuses a name when any address it resolves to is private', async () => {
      expect((await attempt(`http://inside.test:${port()}/ok`)).error).toBe(
        'refused: inside.test resolves to a private address (10.0.0.1)',
      );
      expect((await attempt(`http://mixed.test:${port()}/ok`)).error).toBe(
        'refused: mixed.test resolves to a private address (127.0.0.1)',
      );
      expect((await attempt(`http://nowhere.test:${port()}/ok`)).error).toBe('not found');
    });

    it('checks endpoint hosts when they are saved', async () => {
      expect(await resolvesPublicly('public.test', lookupAll)).toBeNull();
      expect(await resolvesPublicly('8.8.8.8', lookupAll)).toBeNull();
      expect(await resolvesPublicly('[2606:4700:4700::1111]', lookupAll)).toBeNull();
      expect(await resolvesPublicly('nowhere.test', lookupAll)).toBeNull();
      expect(await resolvesPublicly('inside.test', lookupAll)).toBe(
        'refused: inside.test resolves to a private address (10.0.0.1)',
      );
      expect(await resolvesPublicly('10.1.2.3', lookupAll)).toBe(
        'refused: 10.1.2.3 is a private address',
      );
      expect(await resolvesPublicly('API.localhost', lookupAll)).toBe(
        'refused: API.localhost is a local name',
      );
    });
  });
});

describe('createSecretBox', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const box = createSecretBox('a configured LEDGER_SECRET_KEY');

  it('opens what it sealed, and the sealed text gives nothing away', () => {
    const sealed = box.seal(secret);
    expect(box.open(sealed)).toBe(secret);
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  });

  it('seals the same secret differently each time', () => {
    expect(box.seal(secret)).not.toBe(box.seal(secret));
  });

  it('refuses a value sealed under another key, altered, or not sealed at all', () => {
    const sealed = box.seal(secret);
    const message = /cannot be decrypted with this LEDGER_SECRET_KEY/;
    expect(() => createSecretBox('another key').open(sealed)).toThrow(message);
    const [version, iv, tag, ciphertext] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => box.open([version, iv, tag, flipped.toString('base64url')].join('.'))).toThrow(
      message,
    );
    const otherTag = Buffer.from(tag, 'base64url');
    otherTag[0] = (otherTag[0] ?? 0) ^ 1;
    expect(() =>
      box.open([version, iv, otherTag.toString('base64url'), ciphertext].join('.')),
    ).toThrow(message);
    expect(() => box.open(secret)).toThrow(message);
    expect(() => box.open(`v2.${iv}.${tag}.${ciphertext}`)).toThrow(message);
  });
});

describe('loadOrCreateKeyFile', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ledger-key-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the key file once, private to its owner, and reuses it', () => {
    const dataDir = join(root, 'data', 'nested');
    const key = loadOrCreateKeyFile(dataDir);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    const file = join(dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(key);
    expect(loadOrCreateKeyFile(dataDir)).toBe(key);
    expect(readdirSync(dataDir)).toEqual(['secret.key']);
  });

  it('reads a key put there by hand, trimmed', () => {
    const dataDir = join(root, 'by-hand');
    loadOrCreateKeyFile(dataDir);
    writeFileSync(join(dataDir, 'secret.key'), '  my own key \n');
    expect(loadOrCreateKeyFile(dataDir)).toBe('my own key');
  });
});
