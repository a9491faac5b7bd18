/**
 * Portal tokens: 32 random bytes (256 bits) as base64url, from the platform's Web Crypto, which
 * every runtime the domain targets has; only their SHA-256 is ever stored.
 */
export function newPortalToken(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return base64url(bytes);
}

/** The SHA-256 of a token, hex: what the store keeps and looks tokens up by. */
export async function hashPortalToken(token: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
