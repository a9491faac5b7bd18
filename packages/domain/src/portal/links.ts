import type { PortalLinks } from './ports.js';

/** Portal links under `baseUrl` (the server's public URL): `<base>/portal/session/<token>`. */
export function portalLinksAt(baseUrl: string | (() => string)): PortalLinks {
  const base = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
  return { sessionUrl: (token) => `${base().replace(/\/+$/, '')}/portal/session/${token}` };
}
