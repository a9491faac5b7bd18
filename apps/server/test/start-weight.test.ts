import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPILED_CLI, killChildren, serve } from './processes.js';

const run = promisify(execFile);

/**
 * The CommonJS modules a fresh node process has loaded once it has imported the built server
 * (what `pnpm start` imports before it opens the database), as paths inside their package.
 */
async function modulesLoadedAtStart(): Promise<string[]> {
  const script = `import { createRequire } from 'node:module';
await import('./dist/server.js');
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
  });
  const paths: string[] = JSON.parse(stdout);
  return paths.map((path) => path.replace(/^.*\/node_modules\//, ''));
}

const root = mkdtempSync(join(tmpdir(), 'ledger-start-order-'));
afterAll(() => {
  killChildren();
  rmSync(root, { recursive: true, force: true });
});

/** One module the compiled `ledger serve` loaded, in order, and the data directory's state then. */
interface Loaded {
  url: string;
  locked: boolean;
  database: boolean;
}

/**
 * Runs the compiled `ledger serve` on a new data directory with a module hook that records each
 * module as it loads, with whether the data directory was locked and held a database by then.
 */
async function loadOrderOfServe(): Promise<Loaded[]> {
  const dataDir = join(root, 'data');
  const log = join(root, 'loaded.jsonl');
  const hooks = join(root, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync, existsSync } from 'node:fs';
export async function load(url, context, next) {
  const dir = process.env.LEDGER_DATA_DIR;
  const entry = { url, locked: existsSync(dir + '/ledger.lock'), database: existsSync(dir + '/PG_VERSION') };
  appendFileSync(process.env.START_ORDER_LOG, JSON.stringify(entry) + '\\n');
  return next(url, context);
}`,
  );
  const register = join(root, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});`,
  );
  const served = await serve(
    { LEDGER_DATA_DIR: dataDir, NODE_OPTIONS: `--import=${register}`, START_ORDER_LOG: log },
    COMPILED_CLI,
  );
  await served.stop();
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Loaded);
}

describe('what a start loads', () => {
  it('boots the embedded database before the server: locked, copied and started first', async () => {
    const loaded = await loadOrderOfServe();
    const server = loaded.findIndex((module) => module.url.endsWith('/apps/server/dist/server.js'));
    expect(server).toBeGreaterThan(0);
    // By the time the server's modules load, the data directory is locked and holds a database.
    expect(loaded[server]).toMatchObject({ locked: true, database: true });
    // What loaded before is light: PGlite and the boot, not drizzle, the schema or the domain.
    const before = loaded.slice(0, server).map((module) => module.url);
    expect(before.some((url) => url.includes('/@electric-sql/pglite/'))).toBe(true);
    expect(before.some((url) => url.endsWith('/packages/db/dist/boot.js'))).toBe(true);
    expect(
      before.filter((url) => /drizzle-orm|packages\/domain|packages\/db\/dist\/schema/.test(url)),
    ).toEqual([]);
  });

  it('loads the country codes and the in-memory limiter, not every language or store', async () => {
    const loaded = await modulesLoadedAtStart();
    // What start-up does need is there, so the list is the real one.
    expect(loaded).toContain('i18n-iso-countries/index.js');
    expect(loaded).toContain('rate-limiter-flexible/lib/RateLimiterMemory.js');
    expect(loaded).toContain('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js');
    // The countries package's main entry reads 78 languages' names; its rate-limit package's
    // index loads every store (Redis, Mongo, …). Neither is used, and each costs start time.
    expect(loaded.filter((path) => path.startsWith('i18n-iso-countries/langs/'))).toEqual([]);
    expect(loaded).not.toContain('rate-limiter-flexible/index.js');
    expect(loaded).not.toContain('rate-limiter-flexible/lib/RateLimiterRedis.js');
  });
});
