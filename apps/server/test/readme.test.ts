import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CustomerObject } from '@ledger/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');

/** The shell block between `<!-- name -->` markers in the README, exactly as a reader copies it. */
function block(name: string): string {
  const match = readme.match(
    new RegExp(`<!-- ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\s*<!-- /${name} -->`),
  );
  if (!match?.[1]) throw new Error(`README.md has no ${name} block`);
  return match[1];
}

describe('the README', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger('pglite');
  });
  afterAll(() => t.close());

  it('has a curl example that works as written against a running server', async () => {
    const script = block('curl-example').replaceAll('http://127.0.0.1:3000', t.url);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      env: { ...process.env, LEDGER_API_KEY: t.keyA },
    });
    const documents = stdout
      .split('\n')
      .map((text) => text.trim())
      .filter(Boolean)
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(documents).toHaveLength(4);
    const created = CustomerObject.parse(documents[0]);
    expect(created).toMatchObject({
      email: 'alice@example.com',
      tax_ids: [{ value: 'DE123456789' }],
    });
    for (const doc of documents.slice(1)) expect(doc).not.toHaveProperty('error');
    expect(documents[1]).toEqual({ id: created.id });
    expect(documents[2]).toMatchObject({
      customer_id: created.id,
      card: { brand: 'visa', last4: '4242' },
    });
    expect(documents[3]).toMatchObject({
      customer_id: created.id,
      balance: { amount: -10_000, display: '-$100.00' },
    });
  });

  it('has a client example that runs against a running server', async () => {
    const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, [tsx, 'examples/quickstart.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, LEDGER_URL: t.url, LEDGER_API_KEY: t.keyA },
    });
    expect(stdout).toMatch(/^cus_\w+ balance -10000 USD$/m);
    expect(stdout).toContain('second create refused: duplicate_customer_email');
    expect(stdout).toMatch(/^export customer then [1-9]\d* records$/m);
    const link = stdout.match(/^portal link (\S+)$/m)?.[1] ?? '';
    expect(link.startsWith(`${t.url}/portal/session/`)).toBe(true);
    const opened = await fetch(link, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/portal');
  });

  it('names the start and test commands the way CI runs them', () => {
    expect(block('start-command').trim()).toBe('corepack enable && pnpm install && pnpm start');
    expect(block('test-command').trim()).toBe(
      'corepack enable && pnpm install --frozen-lockfile && pnpm test',
    );
  });
});
