import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phoneContext, seriousViolations, withPage } from './browser.js';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer } from './support.js';

/** The billing portal in real headless Chromium, 375 px wide. */

const BROWSER_TIMEOUT_MS = 120_000;
const RETURN_URL = 'https://app.example.com/account';

let t: TestLedger;
let browser: Browser;
let context: BrowserContext;
let axeContext: BrowserContext;

beforeAll(async () => {
  t = await startTestLedger('pglite');
  browser = await launchChromium();
  context = await phoneContext(browser);
  axeContext = await phoneContext(browser, { bypassCSP: true });
}, BROWSER_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function portalLink(customerId: string): Promise<{ id: string; url: string }> {
  const res = await t.rest<{ id: string; url: string }>(
    'POST',
    `/ledger/customers/${customerId}/portal`,
    {
      body: { return_url: RETURN_URL },
    },
  );
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** No horizontal scrolling at 375 px: the page fits the phone's width. */
async function fitsPhone(page: Page): Promise<void> {
  const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  expect(width).toBeLessThanOrEqual(375);
}

describe('the billing portal in Chromium', () => {
  it(
    'opens from the link, drops the token from the address, and shows the overview',
    async () => {
      const customer = await createCustomer(t, { name: 'Browser Bea', email: 'bea@example.com' });
      const { url } = await portalLink(customer.id);
      await withPage(context, 'overview', async (page) => {
        const violations: string[] = [];
        page.on('console', (message) => {
          if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
        });
        await page.goto(url);
        expect(new URL(page.url()).pathname).toBe('/portal');
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
          'Your billing',
        );
        await expect(page.getByText('Browser Bea').count()).resolves.toBeGreaterThan(0);
        await fitsPhone(page);
        const back = page.getByRole('link', { name: /^Back to / });
        expect(await back.getAttribute('href')).toBe(RETURN_URL);
        expect(violations).toEqual([]);
      });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'is reachable by keyboard: Tab walks the menu and reaches Sign out, which ends the session',
    async () => {
      const customer = await createCustomer(t, { name: 'Key Kim', email: 'kim@example.com' });
      const { url } = await portalLink(customer.id);
      await withPage(context, 'keyboard', async (page) => {
        await page.goto(url);
        const reached: string[] = [];
        for (let i = 0; i < 20; i++) {
          await page.keyboard.press('Tab');
          reached.push(
            (await page.evaluate('document.activeElement?.textContent?.trim() ?? ""')) as string,
          );
          if (reached.at(-1) === 'Sign out') break;
        }
        expect(reached).toContain('Overview');
        expect(reached.at(-1)).toBe('Sign out');
        await page.keyboard.press('Enter');
        await page.waitForURL('**/portal/sign-out');
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
          'You are signed out',
        );
        await page.goto(`${t.url}/portal`);
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
          'Your billing session has ended',
        );
      });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'ends a live browser session when the session is revoked over the API',
    async () => {
      const customer = await createCustomer(t, { name: 'Revoked Rae', email: 'rae@example.com' });
      const session = await portalLink(customer.id);
      await withPage(context, 'revoked', async (page) => {
        await page.goto(session.url);
        await expect(page.getByText('Revoked Rae').count()).resolves.toBeGreaterThan(0);
        const revoked = await t.rest('POST', `/ledger/portal-sessions/${session.id}/revoke`);
        expect(revoked.status, revoked.text).toBe(200);
        await page.reload();
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
          'Your billing session has ended',
        );
        await expect(page.getByText('Revoked Rae').count()).resolves.toBe(0);
        await page.goto(session.url);
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
          'This link was revoked',
        );
        expect(await page.getByRole('link', { name: 'Go back' }).getAttribute('href')).toBe(
          RETURN_URL,
        );
      });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'has no serious or critical accessibility violation (axe-core) on its pages',
    async () => {
      const customer = await createCustomer(t, { name: 'Axe Ada', email: 'ada@example.com' });
      const { url } = await portalLink(customer.id);
      await withPage(axeContext, 'axe', async (page) => {
        await page.goto(url);
        const pages = ['/portal', '/portal/no-such-page'];
        for (const path of pages) {
          await page.goto(`${t.url}${path}`);
          expect({ path, violations: await seriousViolations(page) }).toEqual({
            path,
            violations: [],
          });
        }
        await page.goto(url); // used twice now: the "already used" page
        expect(await seriousViolations(page)).toEqual([]);
      });
    },
    BROWSER_TIMEOUT_MS,
  );
});
