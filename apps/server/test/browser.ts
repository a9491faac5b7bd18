import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's chromium, with the flags this machine needs (no sandbox, no network side-traffic). */
export function launchChromium(timeout?: number): Promise<Browser> {
  return chromium.launch({
    ...(timeout === undefined ? {} : { timeout }),
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A phone-sized context (375 px wide), as the portal must work on. */
export function phoneContext(browser: Browser, options: { bypassCSP?: boolean } = {}) {
  return browser.newContext({
    viewport: { width: 375, height: 812 },
    bypassCSP: options.bypassCSP ?? false,
  });
}

const axeSource = (() => {
  const require = createRequire(import.meta.url);
  return require.resolve('axe-core/axe.min.js');
})();

/** One accessibility finding of axe-core. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/**
 * Runs axe-core on the page and returns its serious and critical violations. The page's CSP
 * refuses injected scripts, so the page must come from a context made with `bypassCSP`.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: axeSource });
  const found = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length })))`,
  )) as AxeViolation[];
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Where failing browser tests leave their screenshots (printed with the failure). */
export const SCREENSHOT_DIR = join(tmpdir(), 'ledger-portal-screenshots');

/**
 * Runs `body` with a page of `context`; on failure, writes a full-page screenshot to
 * {@link SCREENSHOT_DIR} and names it in the error, so a CI failure can be looked at.
 */
export async function withPage<T>(
  context: BrowserContext,
  name: string,
  body: (page: Page) => Promise<T>,
): Promise<T> {
  const page = await context.newPage();
  try {
    return await body(page);
  } catch (error) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = join(SCREENSHOT_DIR, `${name.replace(/[^\w-]+/g, '_')}-${Date.now()}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    if (error instanceof Error) error.message += `\n(screenshot: ${file})`;
    throw error;
  } finally {
    await page.close();
  }
}
