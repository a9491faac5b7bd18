import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

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

describe('what a start loads', () => {
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
