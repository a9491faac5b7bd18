import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer } from './support.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const example = readFileSync(`${serverDir}examples/webhook-receiver.ts`, 'utf8');
const doc = readFileSync(`${serverDir}../../docs/webhooks.md`, 'utf8');

/** The receiver example as a child process, and the lines it has printed so far. */
function runReceiver(secret: string): {
  child: ChildProcess;
  lines: string[];
  port: Promise<number>;
} {
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  const child = spawn(process.execPath, [tsx, 'examples/webhook-receiver.ts'], {
    cwd: serverDir,
    env: { ...process.env, LEDGER_WEBHOOK_SECRET: secret, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const port = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the receiver exited with ${code}`)));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      lines.push(...text.split('\n').filter(Boolean));
      const listening = lines.find((line) => line.startsWith('listening on '));
      if (listening) resolve(Number(listening.slice('listening on '.length)));
    });
  });
  return { child, lines, port };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe("docs/webhooks.md's receiver", () => {
  let t: TestLedger;
  let receiver: ReturnType<typeof runReceiver> | undefined;
  beforeAll(async () => {
    t = await startTestLedger('pglite');
  });
  afterAll(async () => {
    receiver?.child.kill();
    await t?.close();
  });

  it('is the example file, word for word', () => {
    const block = doc.match(
      /<!-- webhook-receiver -->\s*```ts\n([\s\S]*?)```\s*<!-- \/webhook-receiver -->/,
    );
    expect(block?.[1]).toBe(example);
  });

  it('verifies and prints what Ledger sends, and refuses a forged delivery', async () => {
    const created = await t.rest<{ id: string; secret: string }>(
      'POST',
      '/ledger/webhook-endpoints',
      {
        body: { url: 'http://127.0.0.1:9/not-yet', enabled_events: ['customer.created'] },
      },
    );
    expect(created.status, created.text).toBe(201);
    receiver = runReceiver(created.body.secret);
    const port = await receiver.port;
    const moved = await t.rest('PUT', `/ledger/webhook-endpoints/${created.body.id}`, {
      body: { url: `http://127.0.0.1:${port}/` },
    });
    expect(moved.status, moved.text).toBe(200);

    const customer = await createCustomer(t, { name: 'Hook Reader', email: 'hooks@example.com' });
    const lines = receiver.lines;
    await until(() => lines.some((line) => line.startsWith('customer.created')), 'the event');
    const events = await t.rest<{ data: Array<{ id: string }> }>(
      'GET',
      `/ledger/events?type=customer.created&customer_id=${customer.id}`,
    );
    const eventId = events.body.data[0]?.id;
    expect(lines).toContain(`customer.created ${customer.id} (${eventId})`);

    const forged = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: {
        'webhook-id': 'evt_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl',
      },
      body: JSON.stringify({ id: 'evt_forged', type: 'customer.deleted', data: { object: {} } }),
    });
    expect(forged.status).toBe(400);
    expect(lines.some((line) => line.includes('evt_forged'))).toBe(false);
  });
});
