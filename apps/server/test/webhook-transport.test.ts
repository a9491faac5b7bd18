import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, loadOrCreateKeyFile } from '../src/webhooks/secret-box.js';
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
