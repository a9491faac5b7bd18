import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
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
