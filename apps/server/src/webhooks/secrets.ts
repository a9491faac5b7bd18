import type { WebhookSecrets } from '@ledger/domain';
import { createSecretBox, loadOrCreateKeyFile } from './secret-box.js';
import { newWebhookSecret } from './signature.js';

/**
 * The key that seals webhook secrets: `LEDGER_SECRET_KEY`, or on the embedded PGlite default one
 * made on first start and kept in the data directory. On PostgreSQL it must be given: a key
 * kept on one machine's disk would leave the other processes unable to sign.
 */
export function webhookSecretKey(config: {
  LEDGER_SECRET_KEY?: string | undefined;
  DATABASE_URL?: string | undefined;
  LEDGER_DATA_DIR: string;
}): string {
  if (config.LEDGER_SECRET_KEY) return config.LEDGER_SECRET_KEY;
  if (config.DATABASE_URL) {
    throw new Error(
      'LEDGER_SECRET_KEY is required with DATABASE_URL: it encrypts webhook signing secrets in the database. Generate one with `openssl rand -base64 32` and give every Ledger process the same value.',
    );
  }
  return loadOrCreateKeyFile(config.LEDGER_DATA_DIR);
}

/** Webhook secrets made at random and stored sealed with `key` (AES-256-GCM). */
export function webhookSecrets(key: string): WebhookSecrets {
  const box = createSecretBox(key);
  return {
    generate: newWebhookSecret,
    seal: (secret) => box.seal(secret),
    open: (sealed) => box.open(sealed),
  };
}
