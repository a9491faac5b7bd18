import { createHmac, randomBytes } from 'node:crypto';

/** The prefix the Standard Webhooks specification gives symmetric secrets, so they are recognisable. */
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A new endpoint signing secret in the Standard Webhooks form (`whsec_` + base64 of 32 random
 * bytes), which receivers paste as-is into any of the specification's libraries. 32 bytes is
 * within the specification's 24..64 and is HMAC-SHA256's block-friendly key size.
 */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The HMAC key a secret stands for: the base64 after `whsec_` (the prefix is optional, as in the reference libraries). */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded === '' || !BASE64.test(encoded)) {
    throw new Error('a webhook secret must be whsec_ followed by base64');
  }
  return Buffer.from(encoded, 'base64');
}

/**
 * The `webhook-signature` header for one delivery attempt: `v1,<base64 HMAC-SHA256>` of
 * `${id}.${timestampSeconds}.${body}` under each secret, space-separated. Several secrets are
 * how rotation works without downtime: during the overlap both the new and the old secret sign,
 * and a receiver that knows either one accepts the delivery. The id and timestamp must not
 * contain a `.` (the specification's rule, so the signed content cannot be re-split), hence the
 * checks: a violation is a bug here, not something to send.
 */
export function signWebhook(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  if (id === '' || id.includes('.')) throw new Error(`invalid webhook id ${JSON.stringify(id)}`);
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error(`invalid webhook timestamp ${timestampSeconds}`);
  }
  const content = `${id}.${timestampSeconds}.${body}`;
  return secrets
    .map(
      (secret) => `v1,${createHmac('sha256', secretKey(secret)).update(content).digest('base64')}`,
    )
    .join(' ');
}
