import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { requestHeader } from './node-request.js';

/** Where the page asks swagger-ui for the document: the unauthenticated route `createApp` serves. */
const DOCUMENT_URL = '/ledger/openapi.json';
const ASSETS = '/docs/assets';

/**
 * The page's own start-up script. It is served as a file rather than inlined so the page's CSP
 * can refuse every inline script. `BaseLayout` without the standalone preset leaves out the top
 * bar's "explore any URL" box; `validatorUrl: null` keeps the page from calling
 * validator.swagger.io; swagger-ui 5 ignores `?url=`/`?configUrl=` unless told otherwise.
 */
const INIT_SCRIPT = `'use strict';
window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(DOCUMENT_URL)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  validatorUrl: null,
});
`;

interface Asset {
  contentType: string;
  /** A file of `swagger-ui-dist`, or the content itself. */
  source: { file: string } | { text: string };
}

/** The only names `/docs/assets/` answers; each is a route of its own, so no path is ever built. */
const ALLOWED: Record<string, Asset> = {
  'swagger-ui.css': { contentType: 'text/css; charset=utf-8', source: { file: 'swagger-ui.css' } },
  'swagger-ui-bundle.js': {
    contentType: 'text/javascript; charset=utf-8',
    source: { file: 'swagger-ui-bundle.js' },
  },
  'favicon-32x32.png': { contentType: 'image/png', source: { file: 'favicon-32x32.png' } },
  'favicon-16x16.png': { contentType: 'image/png', source: { file: 'favicon-16x16.png' } },
  'docs-init.js': { contentType: 'text/javascript; charset=utf-8', source: { text: INIT_SCRIPT } },
};

/**
 * Nothing inline runs or styles the page, and everything, fetches included, stays on Ledger's
 * origin. The one exception, `img-src data:`, is for the icons swagger-ui's CSS draws as data:
 * URLs. No `style-src 'unsafe-inline'`: React sets styles through the DOM, which CSP allows (the
 * browser test renders, authorizes and runs "Try it out" with no violation); only an aligned
 * Markdown table in a description would lose its alignment.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Ledger API reference</title>
    <link rel="stylesheet" href="${ASSETS}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${ASSETS}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${ASSETS}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSETS}/swagger-ui-bundle.js"></script>
    <script src="${ASSETS}/docs-init.js"></script>
  </body>
</html>
`;

interface Loaded {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

/** The folder of the installed `swagger-ui-dist`, found the way Node resolves the import. */
const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Each asset is read (and hashed) once per process, on its first request. */
const loaded = new Map<string, Promise<Loaded>>();

function load(name: string, asset: Asset): Promise<Loaded> {
  let pending = loaded.get(name);
  if (!pending) {
    const { source } = asset;
    pending = (async () => {
      const body =
        'file' in source
          ? new Uint8Array(await readFile(join(distDir, source.file)))
          : new TextEncoder().encode(source.text);
      return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
    })();
    // A failed read is not cached: the next request tries again.
    pending.catch(() => loaded.delete(name));
    loaded.set(name, pending);
  }
  return pending;
}

/**
 * The interactive API reference at `GET /docs`: swagger-ui over `/ledger/openapi.json`, with
 * swagger-ui's files served by Ledger itself from the `swagger-ui-dist` package (no CDN, so it
 * works offline and the page can carry a strict Content-Security-Policy). Mount it with
 * `app.route('/', docsPage())`; it is public, like the document it renders.
 */
export function docsPage(): Hono {
  const docs = new Hono();

  docs.get('/docs', (c) => {
    c.header('Content-Security-Policy', PAGE_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-cache');
    return c.html(PAGE);
  });

  for (const [name, asset] of Object.entries(ALLOWED)) {
    docs.get(`${ASSETS}/${name}`, async (c) => {
      const { body, etag } = await load(name, asset);
      // Names are not fingerprinted, so caches revalidate; the ETag makes that a cheap 304.
      const headers = {
        'Content-Type': asset.contentType,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
        ETag: etag,
      };
      if (requestHeader(c, 'If-None-Match') === etag) return c.body(null, 304, headers);
      return c.body(body, 200, headers);
    });
  }

  return docs;
}
