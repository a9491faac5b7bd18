import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LOCK_FILE, type LockHolder } from '@ledger/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Exit, keysIn, killChildren, ledger, type Served, serve } from './processes.js';

/**
 * One process per embedded data directory: a second `ledger` process on a directory a server
 * holds is refused at once, naming the server; `ledger api-keys create` goes through the running
 * server instead (its admin socket), and works directly once the server has stopped; so does
 * `ledger api-keys revoke`.
 */

const DEV_KEY = 'ldg_sk_lock-test-dev-key-0123456789';
const createKey = ['api-keys', 'create', '--tenant', 't1', '--app', 'a1'];

async function status(served: Served, key: string): Promise<number> {
  const response = await fetch(`${served.url}/ledger/customers`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  await response.body?.cancel();
  return response.status;
}

/** Runs `ledger <args>` and how long it took. */
async function timed(args: string[], env: Record<string, string>): Promise<Exit & { ms: number }> {
  const start = performance.now();
  const exit = await ledger(args, env);
  return { ...exit, ms: performance.now() - start };
}

function printedKey(exit: Exit): string {
  expect(exit.code, exit.stderr).toBe(0);
  const keys = keysIn(exit.stdout);
  expect(keys).toHaveLength(1);
  return keys[0] as string;
}

/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number;

describe('one process per embedded data directory', () => {
  let root: string;
  let dataDir: string;
  let env: Record<string, string>;
  const lockFile = () => join(dataDir, LOCK_FILE);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ledger-lock-'));
    dataDir = join(root, 'data');
    env = { LEDGER_DATA_DIR: dataDir, LEDGER_DEV_API_KEY: DEV_KEY };
  });

  afterAll(() => {
    killChildren();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a second serve and migrate at once, naming the server and what to do', async () => {
    const served = await serve(env);
    try {
      const holder = JSON.parse(readFileSync(lockFile(), 'utf8')) as LockHolder;
      expect(holder).toMatchObject({ pid: served.pid, command: 'ledger serve', url: served.url });
      const named = `The data directory ${dataDir} is in use by ledger serve (pid ${served.pid}, listening on ${served.url}, since ${holder.startedAt}).`;
      const advice = {
        serve: `use that server, stop it first (Ctrl-C where it runs, or kill ${served.pid}), or give this one its own LEDGER_DATA_DIR`,
        migrate: `to run migrate on its own, stop it first (Ctrl-C where it runs, or kill ${served.pid})`,
      };
      for (const command of ['serve', 'migrate'] as const) {
        const exit = await timed([command], { ...env, PORT: '0' });
        expect({ command, code: exit.code }).toEqual({ command, code: 1 });
        expect(exit.stderr).toContain(named);
        expect(exit.stderr).toContain(advice[command]);
        expect(exit.stderr).toContain(`delete ${lockFile()}`);
        expect(exit.stderr).not.toMatch(/\n\s+at /);
        expect(exit.stdout).not.toMatch(/listening/);
        // At once: no waiting for the directory to become free.
        expect(exit.ms).toBeLessThan(10_000);
      }
      // The server was not disturbed.
      expect(await status(served, DEV_KEY)).toBe(200);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  });

  it('creates a key through the running server, which accepts it at once and after a restart', async () => {
    const served = await serve(env);
    let key: string;
    try {
      const created = await timed([...createKey, '--name', 'through'], env);
      key = printedKey(created);
      expect(created.stdout).toContain(
        `(through the server running on this data directory, pid ${served.pid})`,
      );
      expect(created.stdout).toMatch(/tenant "t1", app "a1"/);
      expect(await status(served, key)).toBe(200);

      // What the server refuses, it says why.
      const bad = await ledger(['api-keys', 'create', '--tenant', 't 1', '--app', 'a1'], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/tenantId must be 1–64 letters/);
      expect(keysIn(bad.stdout)).toEqual([]);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
    const again = await serve(env);
    try {
      expect(await status(again, key)).toBe(200);
    } finally {
      expect((await again.stop()).code).toBe(0);
    }
  });

  it('revokes a key through the running server, which refuses it on the very next request', async () => {
    const served = await serve(env);
    try {
      const created = await ledger(createKey, env);
      const key = printedKey(created);
      const id = /Created (\S+) for/.exec(created.stdout)?.[1] as string;
      // Twice: the second answer comes from the server's key cache.
      expect(await status(served, key)).toBe(200);
      expect(await status(served, key)).toBe(200);
      const revoke = ['api-keys', 'revoke', '--tenant', 't1', '--app', 'a1', id];
      const revoked = await ledger(revoke, env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toContain(`(through the server running on this data directory`);
      expect(revoked.stdout).toContain(`Revoked ${id} of tenant "t1", app "a1".`);
      expect(await status(served, key)).toBe(401);
      expect(await status(served, DEV_KEY)).toBe(200);
      // Revoked already (or never there): said so, exit 1.
      const again = await ledger(revoke, env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`No live key ${id} for tenant "t1", app "a1".`);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  });

  it('creates a key directly once the server has stopped, and the restarted server accepts it', async () => {
    const created = await ledger(createKey, env);
    const key = printedKey(created);
    expect(created.stdout).not.toMatch(/through the server/);
    const served = await serve(env);
    try {
      expect(await status(served, key)).toBe(200);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  });

  it('refuses `api-keys create` with what to do when the holder has no admin channel', async () => {
    // A live process (this test's) holds the directory: a server that has no admin socket (as on
    // Windows), then one still starting (no URL yet).
    const pid = process.pid;
    const cases = [
      {
        url: 'http://127.0.0.1:1',
        said:
          `in use by ledger serve (pid ${pid}, listening on http://127.0.0.1:1, since a moment ago).\n` +
          `To create the key, stop it first (Ctrl-C where it runs, or kill ${pid}), run this command again, then start the server again.`,
      },
      {
        said:
          `in use by ledger serve (pid ${pid}, since a moment ago).\n` +
          `It is still starting: try again in a moment, or stop it first (Ctrl-C where it runs, or kill ${pid}).`,
      },
    ];
    for (const { url, said } of cases) {
      const holder = { pid, command: 'ledger serve', startedAt: 'a moment ago', url };
      writeFileSync(lockFile(), JSON.stringify(holder));
      try {
        const exit = await timed(createKey, env);
        expect(exit.code).toBe(1);
        expect(exit.stderr).toContain(`The data directory ${dataDir} is ${said}`);
        expect(keysIn(exit.stdout)).toEqual([]);
        expect(exit.ms).toBeLessThan(10_000);
      } finally {
        rmSync(lockFile());
      }
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    const gone = { pid: deadPid(), command: 'ledger serve', startedAt: 'yesterday' };
    writeFileSync(lockFile(), JSON.stringify(gone));
    const served = await serve(env);
    try {
      expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: served.pid });
      expect(await status(served, DEV_KEY)).toBe(200);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
    // Released on a clean stop; a key made now is made directly, on the same data.
    expect(printedKey(await ledger(createKey, env))).toMatch(/^ldg_sk_/);
  });
});
