import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

/** The committed migrations, from `src/` and from `dist/` alike. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * Where the build leaves the template: a gzipped tarball of an embedded database already
 * initialised and migrated (statistics are gathered as its tables grow, as on any database). Resolved from `src/` and from `dist/` alike; build output,
 * never committed.
 */
export const TEMPLATE_PATH = fileURLToPath(
  new URL('../dist/pglite-template.tar.gz', import.meta.url),
);

/**
 * Writes the template (`pnpm build` runs this after compiling). A new PGlite data directory costs
 * about 2 s of `initdb` and migrations inside the WASM engine, paid by every fresh `pnpm start`
 * and by every in-memory database a test opens; unpacking this tarball instead takes a fraction
 * of that. Opening still applies any migration newer than the template, so a stale one is only
 * slower, never wrong.
 */
export async function writeTemplate(path: string = TEMPLATE_PATH): Promise<void> {
  const client = new PGlite();
  try {
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    const tarball = await client.dumpDataDir('gzip');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.from(await tarball.arrayBuffer()));
  } finally {
    await client.close();
  }
}

/**
 * The template as PGlite's `loadDataDir` takes it, for a database that does not exist yet: in
 * memory, or a data directory without `PG_VERSION`. Undefined when there is none to load (an
 * existing data directory, or a tree not built), and PGlite then runs `initdb` as before. The
 * tarball is unpacked here by zlib, faster than PGlite's web-stream decompression.
 */
export function templateFor(
  dataDir: string | undefined,
  path: string = TEMPLATE_PATH,
): Blob | undefined {
  if (dataDir && existsSync(join(dataDir, 'PG_VERSION'))) return undefined;
  if (!existsSync(path)) return undefined;
  return new Blob([gunzipSync(readFileSync(path))], { type: 'application/x-tar' });
}
