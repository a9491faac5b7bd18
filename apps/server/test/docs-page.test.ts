import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { startTestLedger, type TestLedger } from './harness.js';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const BROWSER_TIMEOUT_MS = 120_000;

interface OpenApiDocument {
  paths: Record<string, Record<string, { summary?: string }>>;
}

interface Operation {
  method: string;
  path: string;
  summary: string;
}

/** Every operation of the document, in a stable order, as swagger-ui should list it. */
function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, operation]) => ({ method, path, summary: operation.summary ?? '' })),
    )
    .sort(byMethodAndPath);
}

function byMethodAndPath(a: Operation, b: Operation): number {
  return `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`);
}

/** What the rendered page lists: one entry per `.opblock`. Runs in the page, hence a string. */
const RENDERED_OPERATIONS = `Array.from(document.querySelectorAll('.opblock')).map((block) => ({
  method: (block.querySelector('.opblock-summary-method')?.textContent ?? '').trim().toLowerCase(),
  path: block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '',
  summary: (block.querySelector('.opblock-summary-description')?.textContent ?? '').trim(),
}))`;

/** Collects CSP violations in the page, in case one does not reach the console. */
const RECORD_CSP_VIOLATIONS = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});`;

let ledger: TestLedger;
let browser: Browser;

beforeAll(async () => {
  ledger = await startTestLedger('pglite');
  browser = await launchChromium(BROWSER_TIMEOUT_MS);
}, BROWSER_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await ledger?.close();
});

async function openApi(): Promise<OpenApiDocument> {
  const response = await fetch(`${ledger.url}/ledger/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

describe('GET /docs over HTTP', () => {
  it('serves the page with a strict CSP and only same-origin assets', async () => {
    const response = await fetch(`${ledger.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('unsafe-inline');

    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    const referenced = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(referenced.length).toBeGreaterThanOrEqual(3);
    for (const asset of referenced) expect(asset).toMatch(/^\/docs\/assets\/[\w.-]+$/);
  });

  it('serves each asset with its type, nosniff and a working ETag', async () => {
    const types: Record<string, RegExp> = {
      'swagger-ui.css': /^text\/css/,
      'swagger-ui-bundle.js': /^text\/javascript/,
      'docs-init.js': /^text\/javascript/,
      'favicon-32x32.png': /^image\/png$/,
    };
    for (const [name, type] of Object.entries(types)) {
      const response = await fetch(`${ledger.url}/docs/assets/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-type'), name).toMatch(type);
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect((await response.arrayBuffer()).byteLength, name).toBeGreaterThan(0);
      const etag = response.headers.get('etag');
      expect(etag, name).toBeTruthy();
      const again = await fetch(`${ledger.url}/docs/assets/${name}`, {
        headers: { 'If-None-Match': etag ?? '' },
      });
      expect(again.status, name).toBe(304);
    }
    const init = await (await fetch(`${ledger.url}/docs/assets/docs-init.js`)).text();
    expect(init).toContain('/ledger/openapi.json');
  });

  it('answers 404 for any asset off the allow-list', async () => {
    for (const path of [
      '/docs/assets/nope.js',
      '/docs/assets/index.html', // a real file of swagger-ui-dist, just not served
      '/docs/assets/swagger-ui-bundle.js.map',
      '/docs/assets/..%2Fpackage.json',
      '/docs/assets/%2e%2e/%2e%2e/package.json',
      '/docs/assets/',
    ]) {
      const response = await fetch(`${ledger.url}${path}`);
      expect(response.status, path).toBe(404);
      await response.arrayBuffer();
    }
  });
});

describe('GET /docs in a browser', () => {
  it('renders every operation of the document, offline and without console errors', async () => {
    const expected = operationsOf(await openApi());
    expect(expected.length).toBeGreaterThan(0);

    const context = await browser.newContext();
    try {
      const origin = new URL(ledger.url).origin;
      const requests: string[] = [];
      const errors: string[] = [];
      context.on('request', (request) => {
        requests.push(request.url());
      });
      // Anything off Ledger's origin is recorded above and then refused, so the test never
      // depends on (or reaches) the internet.
      await context.route(
        (url) => url.origin !== origin && url.protocol !== 'data:',
        (route) => route.abort(),
      );
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => {
        errors.push(error.message);
      });
      await page.addInitScript({ content: RECORD_CSP_VIOLATIONS });

      const loaded = await page.goto(`${ledger.url}/docs`);
      expect(loaded?.status()).toBe(200);
      // Polled from here: waitForFunction would evaluate its predicate with eval in the page,
      // which the page's own CSP (no 'unsafe-eval') rightly refuses once it has to poll.
      const deadline = Date.now() + 30_000;
      while ((await page.locator('.opblock').count()) < expected.length) {
        if (Date.now() > deadline) throw new Error('the operations did not render within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const rendered = ((await page.evaluate(RENDERED_OPERATIONS)) as Operation[]).sort(
        byMethodAndPath,
      );
      expect(rendered).toHaveLength(expected.length);
      expect(rendered).toEqual(expected);
      const text = await page.textContent('#swagger-ui');
      expect(text).toContain('Ledger REST API');
      for (const { summary } of expected.slice(0, 3)) expect(text).toContain(summary);

      // The interactive part under the same CSP: authorize with a bearer key, then "Try it out"
      // on GET /ledger/customers and see the page render Ledger's answer.
      await page.click('.auth-wrapper .authorize');
      const bearer = page.locator('.auth-container', { hasText: 'bearer' });
      await bearer.locator('input').fill(ledger.keyA);
      await bearer.locator('button.authorize').click();
      await page.click('.modal-ux .close-modal');
      const list = page.locator('.opblock-get', {
        has: page.locator('.opblock-summary-path[data-path="/ledger/customers"]'),
      });
      await list.locator('.opblock-summary').click();
      await list.locator('button.tablinks[data-name="model"]').first().click();
      await list.locator('.model-container .json-schema-2020-12').first().waitFor();
      await list.locator('.try-out__btn').click();
      await list.locator('.execute').click();
      const status = list.locator('.live-responses-table tr.response .response-col_status');
      await status.waitFor();
      expect(await status.textContent()).toMatch(/^\s*200\b/);
      expect(requests.some((url) => url.startsWith(`${origin}/ledger/customers`))).toBe(true);

      expect(requests.length).toBeGreaterThan(0);
      expect(requests).toContain(`${origin}/ledger/openapi.json`);
      const offOrigin = requests.filter((url) => {
        const parsed = new URL(url);
        return parsed.protocol !== 'data:' && parsed.hostname !== '127.0.0.1';
      });
      expect(offOrigin).toEqual([]);
      expect(await page.evaluate('window.__cspViolations')).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
