import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPILED_CLI, keysIn, killChildren, ledger, type Served, serve } from './processes.js';

async function call(
  served: Served,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${served.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
});

afterAll(() => {
  killChildren();
  rmSync(root, { recursive: true, force: true });
});

describe('ledger serve on the embedded database', () => {
  let dataDir: string;
  let devKey: string;
  let customerId: string;

  beforeAll(() => {
    dataDir = join(root, 'serve');
  });

  it('prints a working API key on the first start and stops on SIGTERM', async () => {
    const served = await serve({ LEDGER_DATA_DIR: dataDir });
    const printed = keysIn(served.stdout());
    expect(printed).toHaveLength(1);
    devKey = printed[0] as string;
    expect(served.stdout()).toContain(dataDir);

    const created = await call(served, devKey, 'POST', '/ledger/customers', {
      name: 'Persisted',
      email: 'persisted@example.com',
      currency: 'usd',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenant_id: 'dev', app_id: 'default' });
    customerId = String(created.body.id);
    expect((await call(served, 'ldg_sk_not-a-key-at-all', 'GET', '/ledger/customers')).status).toBe(
      401,
    );

    const exit = await served.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.stdout.trimEnd().endsWith('Ledger stopped.')).toBe(true);
  });

  it('keeps its data and prints no new key on the next start', async () => {
    const served = await serve({ LEDGER_DATA_DIR: dataDir });
    try {
      expect(keysIn(served.stdout())).toEqual([]);
      const found = await call(served, devKey, 'GET', `/ledger/customers/${customerId}`);
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({ id: customerId, email: 'persisted@example.com' });
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  });

  it('issues a scoped key with `api-keys create` that a server on the same data works with', async () => {
    const created = await ledger(['api-keys', 'create', '--tenant', 't1', '--app', 'a1'], {
      LEDGER_DATA_DIR: dataDir,
    });
    expect(created.code).toBe(0);
    const printed = keysIn(created.stdout);
    expect(printed).toHaveLength(1);
    const scopedKey = printed[0] as string;
    expect(created.stdout).toMatch(/tenant "t1", app "a1"/);

    const served = await serve({ LEDGER_DATA_DIR: dataDir });
    try {
      expect(keysIn(served.stdout())).toEqual([]);
      const mine = await call(served, scopedKey, 'POST', '/ledger/customers', {
        name: 'Scoped',
        email: 'persisted@example.com',
        currency: 'eur',
      });
      // The same email is free in another scope.
      expect(mine.status).toBe(201);
      expect(mine.body).toMatchObject({ tenant_id: 't1', app_id: 'a1' });

      const devList = await call(served, devKey, 'GET', '/ledger/customers');
      expect(devList.status).toBe(200);
      const devIds = (devList.body.data as Array<{ id: string }>).map((c) => c.id);
      expect(devIds).toEqual([customerId]);
      expect((await call(served, devKey, 'GET', `/ledger/customers/${mine.body.id}`)).status).toBe(
        404,
      );
      expect((await call(served, scopedKey, 'GET', `/ledger/customers/${customerId}`)).status).toBe(
        404,
      );
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  });

  it('applies migrations with `migrate`, on a new and on an existing data directory', async () => {
    const fresh = await ledger(['migrate'], { LEDGER_DATA_DIR: join(root, 'migrate') });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain('Migrations applied');
    expect((await ledger(['migrate'], { LEDGER_DATA_DIR: dataDir })).code).toBe(0);
  });
});

describe('ledger serve with LEDGER_DEV_API_KEY', () => {
  it('uses the chosen key instead of a random one', async () => {
    const chosen = 'dev-key-chosen-by-me-0123456789';
    const served = await serve({
      LEDGER_DATA_DIR: join(root, 'chosen'),
      LEDGER_DEV_API_KEY: chosen,
    });
    try {
      expect(keysIn(served.stdout())).toEqual([]);
      const listed = await call(served, chosen, 'GET', '/ledger/customers');
      expect(listed.status).toBe(200);
      const created = await call(served, chosen, 'POST', '/ledger/customers', {
        name: 'Chosen',
        email: 'chosen@example.com',
        currency: 'jpy',
      });
      expect(created.body).toMatchObject({ tenant_id: 'dev', app_id: 'default', currency: 'JPY' });
    } finally {
      const exit = await served.stop();
      expect(exit.code).toBe(0);
      // The log is JSON lines on stderr; stdout keeps only what the CLI says to its user.
      const lines = exit.stderr
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'info',
          msg: 'request',
          method: 'POST',
          route: '/ledger/customers',
          status: 201,
          scope: { tenant_id: 'dev', app_id: 'default' },
        }),
      );
      expect(exit.stderr).not.toMatch(/chosen@example\.com|Chosen|dev-key-chosen/);
      expect(exit.stdout).not.toMatch(/"msg"/);
    }
  });
});

describe('the compiled server that `pnpm start` runs', () => {
  it('serves from dist/ without tsx: migrations found, a key printed, requests answered', async () => {
    const served = await serve({ LEDGER_DATA_DIR: join(root, 'compiled') }, COMPILED_CLI);
    try {
      const [key] = keysIn(served.stdout());
      expect(key).toBeDefined();
      const created = await call(served, key as string, 'POST', '/ledger/customers', {
        name: 'Compiled',
        email: 'compiled@example.com',
        currency: 'usd',
      });
      expect(created.status).toBe(201);
      const docs = await fetch(`${served.url}/docs`);
      expect(docs.status).toBe(200);
    } finally {
      const exit = await served.stop();
      expect(exit.code).toBe(0);
    }
    // Nothing of the TypeScript loader is in the process: it ran the emitted JavaScript.
    expect(served.stderr()).not.toMatch(/tsx|\.ts:\d/);
  });
});

describe('ledger with bad input', () => {
  it('refuses a bad PORT, naming it', async () => {
    const exit = await ledger(['serve'], { PORT: 'abc', LEDGER_DATA_DIR: join(root, 'bad') });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toMatch(/PORT/);
    expect(exit.stdout).not.toMatch(/listening/);
  });

  it('refuses to serve PostgreSQL without LEDGER_SECRET_KEY, saying why and how to make one', async () => {
    const exit = await ledger(['serve'], {
      DATABASE_URL: 'postgres://ledger@127.0.0.1:1/ledger',
      PORT: '0',
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/LEDGER_SECRET_KEY is required with DATABASE_URL/);
    expect(exit.stderr).toMatch(/openssl rand -base64 32/);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
    expect(exit.stdout).not.toMatch(/listening/);
  });

  it('refuses a LEDGER_SECRET_KEY shorter than 32 characters, naming it', async () => {
    const exit = await ledger(['serve'], {
      LEDGER_SECRET_KEY: 'too-short',
      LEDGER_DATA_DIR: join(root, 'bad'),
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/LEDGER_SECRET_KEY: must be at least 32 characters/);
  });

  it('refuses a LEDGER_DEV_API_KEY that is too short, naming it', async () => {
    const exit = await ledger(['serve'], {
      LEDGER_DEV_API_KEY: 'short',
      LEDGER_DATA_DIR: join(root, 'bad'),
    });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toMatch(/LEDGER_DEV_API_KEY/);
  });

  it('refuses a LEDGER_LOG_LEVEL that is not a level, naming it', async () => {
    const exit = await ledger(['serve'], {
      LEDGER_LOG_LEVEL: 'verbose',
      LEDGER_DATA_DIR: join(root, 'bad'),
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/LEDGER_LOG_LEVEL: .*"info"/);
    expect(exit.stdout).not.toMatch(/listening/);
  });

  it('refuses a LEDGER_SHUTDOWN_TIMEOUT_MS that is not a whole number of milliseconds, naming it', async () => {
    for (const value of ['10s', '-1', '1.5']) {
      const exit = await ledger(['serve'], {
        LEDGER_SHUTDOWN_TIMEOUT_MS: value,
        LEDGER_DATA_DIR: join(root, 'bad'),
      });
      expect({ value, code: exit.code }).toEqual({ value, code: 1 });
      expect(exit.stderr).toMatch(
        /LEDGER_SHUTDOWN_TIMEOUT_MS: must be a whole number of milliseconds \(0 or more\)/,
      );
      expect(exit.stdout).not.toMatch(/listening/);
    }
  });

  it('refuses a LEDGER_DB_POOL_SIZE that is not 2 to 1000 connections, naming it', async () => {
    for (const value of ['1', '1001', 'ten', '2.5']) {
      const exit = await ledger(['serve'], {
        LEDGER_DB_POOL_SIZE: value,
        LEDGER_DATA_DIR: join(root, 'bad'),
      });
      expect({ value, code: exit.code }).toEqual({ value, code: 1 });
      expect(exit.stderr).toMatch(
        /LEDGER_DB_POOL_SIZE: must be a whole number of connections \(2 to 1000\)/,
      );
      expect(exit.stdout).not.toMatch(/listening/);
    }
  });

  it('prints the usage for --help, help and <command> --help, and exits 0', async () => {
    for (const args of [['--help'], ['help'], ['serve', '--help'], ['api-keys', 'create', '-h']]) {
      const exit = await ledger(args, { LEDGER_DATA_DIR: join(root, 'bad') });
      expect({ args, code: exit.code }).toEqual({ args, code: 0 });
      expect(exit.stdout).toMatch(/Usage:\n {2}ledger serve/);
    }
  });

  it('refuses an unknown flag or argument with the usage, exit 2', async () => {
    for (const args of [
      ['serve', '--prot', '3000'],
      ['migrate', 'now'],
      ['api-keys', 'create', '--tenant', 't', '--app', 'a', '--nmae', 'x'],
      ['api-keys', 'revoke', '--tenant', 't', '--app', 'a'],
      ['api-keys', 'revoke', '--tenant', 't', '--app', 'a', 'key_1', 'key_2'],
      ['api-keys', 'revoke', '--tenant', 't', 'key_1'],
    ]) {
      const exit = await ledger(args, { LEDGER_DATA_DIR: join(root, 'bad') });
      expect({ args, code: exit.code }).toEqual({ args, code: 2 });
      expect(exit.stderr).toMatch(/Usage:/);
      expect(exit.stdout).not.toMatch(/listening/);
    }
  });

  it('refuses an empty PORT instead of picking a random port', async () => {
    const exit = await ledger(['serve'], { PORT: '', LEDGER_DATA_DIR: join(root, 'bad') });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/PORT/);
  });

  it('names PORT when the port is taken, before opening the database', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const { port } = taken.address() as AddressInfo;
    const dataDir = join(root, 'port-taken');
    try {
      const exit = await ledger(['serve'], { PORT: String(port), LEDGER_DATA_DIR: dataDir });
      expect(exit.code).toBe(1);
      expect(exit.stderr).toMatch(new RegExp(`PORT ${port} on 127.0.0.1 is already in use`));
      expect(exit.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('names DATABASE_URL when PostgreSQL cannot be reached, without its password', async () => {
    const exit = await ledger(['migrate'], {
      DATABASE_URL: 'postgres://ledger:s3cret@127.0.0.1:1/ledger',
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^DATABASE_URL: cannot use PostgreSQL at 127\.0\.0\.1:1\/ledger/m);
    expect(exit.stderr).not.toMatch(/s3cret/);
  });

  it('refuses an unknown command and a key without a scope, printing the usage', async () => {
    const unknown = await ledger(['frobnicate'], { LEDGER_DATA_DIR: join(root, 'bad') });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
    expect(unknown.stderr).toMatch(/Usage:/);

    const unscoped = await ledger(['api-keys', 'create', '--tenant', 't1'], {
      LEDGER_DATA_DIR: join(root, 'bad'),
    });
    expect(unscoped.code).not.toBe(0);
    expect(unscoped.stderr).toMatch(/--tenant and --app are required/);
    expect(keysIn(unscoped.stdout)).toEqual([]);
  });
});
