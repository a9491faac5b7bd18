import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Seals webhook signing secrets for storage. The database must hold them (every delivery is
 * signed with them) but a dump or a backup must not hand them out: whoever has one can forge
 * Ledger's webhooks to every customer endpoint.
 */
export interface SecretBox {
  /** The sealed text to store for `plain`: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  seal(plain: string): string;
  /** The secret `sealed` holds; throws when it was sealed under another key or altered. */
  open(sealed: string): string;
}

const VERSION = 'v1';
const HKDF_INFO = 'ledger webhook secrets v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function unreadable(): Error {
  return new Error(
    'a webhook secret cannot be decrypted with this LEDGER_SECRET_KEY (sealed under another key, or altered)',
  );
}

/**
 * A box keyed by the configured `LEDGER_SECRET_KEY` (or the key file's content). AES-256-GCM,
 * so an altered value fails to open instead of yielding a wrong secret; a fresh random IV per
 * seal, so equal secrets do not look equal in storage. The AES key is HKDF-SHA256 of the
 * configured string with a fixed purpose label, so any strong string works as the setting and
 * the same setting can key other purposes later under another label without sharing a key.
 */
export function createSecretBox(key: string): SecretBox {
  if (key.trim() === '') throw new Error('LEDGER_SECRET_KEY must not be empty');
  const aesKey = Buffer.from(hkdfSync('sha256', Buffer.from(key, 'utf8'), '', HKDF_INFO, 32));
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv, tag, ciphertext]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed) {
      const [version, iv, tag, ciphertext, ...rest] = sealed.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined)
        throw unreadable();
      if (rest.length > 0) throw unreadable();
      const ivBytes = Buffer.from(iv, 'base64url');
      const tagBytes = Buffer.from(tag, 'base64url');
      if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw unreadable();
      try {
        const decipher = createDecipheriv('aes-256-gcm', aesKey, ivBytes, {
          authTagLength: TAG_BYTES,
        });
        decipher.setAuthTag(tagBytes);
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw unreadable();
      }
    },
  };
}

function readKey(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const key = text.trim();
  if (key === '') throw new Error(`${path} is empty: delete it or put the secret key in it`);
  return key;
}

/**
 * The secret key of a deployment that did not configure `LEDGER_SECRET_KEY`: `<dataDir>/secret.key`,
 * made on first start (32 random bytes, base64, mode 0600) and read on every later one, so the
 * sealed secrets stay openable across restarts. The file is written whole under a temporary
 * name and then hard-linked into place, which fails rather than overwrites if it already
 * exists: two processes starting at once end up agreeing on one key, never on two halves or on
 * a key that the other one silently replaced.
 */
export function loadOrCreateKeyFile(dataDir: string): string {
  const path = join(dataDir, 'secret.key');
  const existing = readKey(path);
  if (existing !== null) return existing;
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  const temp = join(dataDir, `.secret.key.${process.pid}.${randomBytes(6).toString('hex')}`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${key}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = readKey(path);
    if (winner === null) throw error;
    return winner;
  } finally {
    unlinkSync(temp);
  }
}
