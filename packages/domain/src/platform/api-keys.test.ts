import { describe, expect, it } from 'vitest';
import { generateApiKeySecret, hashApiKey } from './api-keys.js';

/** WebCrypto's SHA-256 hex: the hash every stored key was made with. */
async function webCryptoHash(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret));
  return Buffer.from(digest).toString('hex');
}

describe('hashApiKey', () => {
  it('is the SHA-256 hex of the secret, as WebCrypto computes it, so stored keys still match', async () => {
    const secrets = [
      'ldg_sk_dev-key-0123456789',
      'é ü 日本 🔑 long enough',
      generateApiKeySecret(),
    ];
    for (const secret of secrets) {
      expect(await hashApiKey(secret)).toBe(await webCryptoHash(secret));
    }
    expect(await hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
