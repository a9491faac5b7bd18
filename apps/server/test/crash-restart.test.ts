import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, deploy, storedIds } from './deployments.js';
import { killChildren, serve } from './processes.js';
import { keepAliveAgent, type Outcome, send } from './traffic.js';

/**
 * `kill -9` of the real server under a write load, then a restart on the same data: nothing it
 * acknowledged is lost (a 201 customer, a 200 credit are there after the restart), and the
 * balance still equals its journal. On PGlite the restart also takes over the dead process's
 * lock on the data directory.
 */

const WORKERS = 8;
/** How long the load runs before the kill. */
const LOAD_MS = 1_500;

type Balance = { balance: { amount: number } };
type Row = { id: string; amount: { amount: number } };
type Journal = { data: Row[]; pagination: { next_cursor: string | null } };

/** Every journal row of a customer, page by page. */
async function journalOf(url: string, key: string, customer: string): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const page = await fetch(
      `${url}/ledger/customers/${customer}/balance-transactions?limit=100${cursor ? `&starting_after=${cursor}` : ''}`,
      { headers: { Authorization: `Bearer ${key}` } },
    );
    expect(page.status).toBe(200);
    const body = (await page.json()) as Journal;
    rows.push(...body.data);
    cursor = body.pagination.next_cursor;
  } while (cursor);
  return rows;
}

describe.each(testDatabaseKinds())('kill -9 under load on %s, then a restart', (kind) => {
  let root: string;
  let deployment: Deployment;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
    deployment = await deploy(kind, root, 'ldg_sk_crash-test-dev-key-0123456789abc');
  });
  afterAll(async () => {
    killChildren();
    await deployment?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('loses no acknowledged write', async () => {
    const served = await serve(deployment.env);
    const target = { url: served.url, key: deployment.key };
    const agent = keepAliveAgent(WORKERS);
    const made = send(agent, target, 'POST', '/ledger/customers', {
      name: 'Crash Balance',
      email: 'crash-balance@example.com',
      currency: 'USD',
    });
    const first = await made.outcome;
    if (!first.answered) throw new Error(`no answer: ${first.error}`);
    const account = (JSON.parse(first.body) as { id: string }).id;

    const created: string[] = [];
    const credits: string[] = [];
    let unanswered = 0;
    let killed = false;
    let n = 0;
    const track = (outcome: Outcome, into: string[], status: number, id: (b: never) => string) => {
      if (!outcome.answered) {
        unanswered++;
        return;
      }
      if (outcome.status === status) into.push(id(JSON.parse(outcome.body) as never));
    };
    const workers = Array.from({ length: WORKERS }, async () => {
      while (!killed) {
        const i = n++;
        if (i % 2 === 0) {
          const outcome = await send(agent, target, 'POST', '/ledger/customers', {
            name: `Crash ${i}`,
            email: `crash-${i}@example.com`,
            currency: 'USD',
          }).outcome;
          track(outcome, created, 201, (b: { id: string }) => b.id);
        } else {
          const outcome = await send(agent, target, 'POST', `/ledger/customers/${account}/credit`, {
            amount: { amount: 100, currency: 'USD' },
            reason: `crash-${i}`,
          }).outcome;
          track(outcome, credits, 200, (b: { transaction: { id: string } }) => b.transaction.id);
        }
      }
    });
    await sleep(LOAD_MS);
    served.signal('SIGKILL');
    const exit = await served.exited;
    killed = true;
    await Promise.all(workers);
    agent.destroy();
    expect(exit.signal).toBe('SIGKILL');
    expect(created.length).toBeGreaterThan(5);
    expect(credits.length).toBeGreaterThan(5);

    const again = await serve(deployment.env);
    try {
      const ids = new Set(await storedIds(again, deployment.key));
      const missing = created.filter((id) => !ids.has(id));
      expect(missing).toEqual([]);
      const headers = { Authorization: `Bearer ${deployment.key}` };
      const journal = await journalOf(again.url, deployment.key, account);
      const posted = new Set(journal.map((row) => row.id));
      expect(credits.filter((id) => !posted.has(id))).toEqual([]);
      const balance = (await (
        await fetch(`${again.url}/ledger/customers/${account}`, { headers })
      ).json()) as Balance;
      const sum = journal.reduce((total, row) => total + row.amount.amount, 0);
      expect(balance.balance.amount).toBe(sum);
      console.info(
        `kill -9 on ${kind}: ${created.length} customers and ${credits.length} credits acknowledged, ` +
          `${unanswered} cut off unanswered, ${ids.size - 1 - created.length} more stored than acknowledged`,
      );
    } finally {
      await again.stop();
    }
  }, 90_000);
});
