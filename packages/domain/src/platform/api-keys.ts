import { LedgerError } from '../errors.js';
import { newId } from '../ids.js';
import type { Clock } from '../ports.js';
import type { Scope } from '../scope.js';
import type { ApiKeyRecord, ApiKeyStore } from './ports.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** Secrets start with this, so a leaked one is easy to recognise in logs and scanners. */
export const API_KEY_PREFIX = 'ldg_sk_';

/** A new 256-bit secret (43 characters of an unambiguous alphabet after the prefix). */
export function generateApiKeySecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(43));
  let out = API_KEY_PREFIX;
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

/**
 * Node's `crypto` where the runtime lends it without an import (Node ≥ 20.16), so the domain stays
 * free of Node imports: its synchronous SHA-256 takes ~1 µs, where WebCrypto's `digest` is a
 * thread-pool job per call that cost ~200 µs of every authenticated request under load.
 */
const nodeCrypto =
  typeof process === 'object' && typeof process.getBuiltinModule === 'function'
    ? process.getBuiltinModule('node:crypto')
    : undefined;

/**
 * SHA-256 of the secret, hex. Keys are high-entropy random strings, so a fast hash is enough
 * (a slow password hash would only slow every request); only the hash is stored.
 */
export async function hashApiKey(secret: string): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(secret).digest('hex');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret));
  return Buffer.from(digest).toString('hex');
}

/**
 * Issues an API key for `scope` and returns its secret, which is shown once and never stored.
 * A chosen secret (e.g. `LEDGER_DEV_API_KEY`) must be at least 16 characters.
 */
export async function issueApiKey(
  store: ApiKeyStore,
  clock: Clock,
  scope: Scope,
  options: { secret?: string; name?: string } = {},
): Promise<{ secret: string; key: ApiKeyRecord }> {
  for (const [param, value] of Object.entries(scope)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value)) {
      throw new LedgerError(
        'invalid_input',
        `${param} must be 1–64 letters, digits, "_", "." or "-"`,
        {
          param: [param],
        },
      );
    }
  }
  const secret = options.secret ?? generateApiKeySecret();
  if (secret.length < 16) {
    throw new LedgerError('invalid_input', 'An API key must be at least 16 characters', {
      param: ['secret'],
    });
  }
  const key: ApiKeyRecord = {
    id: newId('apiKey'),
    ...scope,
    prefix: secret.slice(0, API_KEY_PREFIX.length + 4),
    name: options.name ?? null,
    createdAt: clock.now(),
    revokedAt: null,
  };
  await store.insertApiKey({ ...key, keyHash: await hashApiKey(secret) });
  return { secret, key };
}

/** The live key behind a presented secret, or `unauthenticated`. */
export async function authenticateApiKey(
  store: ApiKeyStore,
  secret: string,
): Promise<ApiKeyRecord> {
  const key = secret ? await store.findApiKeyByHash(await hashApiKey(secret)) : null;
  if (!key || key.revokedAt !== null) {
    throw new LedgerError('unauthenticated', 'Missing, unknown or revoked API key');
  }
  return key;
}
