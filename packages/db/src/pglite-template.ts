import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The committed migrations, from `src/` and from `dist/` alike. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * Where the build leaves the template: an embedded database already initialised and migrated,
 * closed (statistics are gathered as its tables grow, as on any database). Resolved from `src/`
 * and from `dist/` alike; build output, never committed.
 */
export const TEMPLATE_DIR = fileURLToPath(new URL('../dist/pglite-template', import.meta.url));

/** The same database as a gzipped tarball, for PGlite's `loadDataDir` in memory. */
export const tarballOf = (templateDir: string): string => `${templateDir}.tar.gz`;

/** The file whose presence makes a directory a database: copied last. */
const PG_VERSION = 'PG_VERSION';

/**
 * The template as PGlite's `loadDataDir` takes it, for a database in memory; undefined in a tree
 * not built (PGlite then runs `initdb`). The tarball is unpacked here by zlib, faster than
 * PGlite's web-stream decompression.
 */
export function templateFor(templateDir: string = TEMPLATE_DIR): Blob | undefined {
  const path = tarballOf(templateDir);
  if (!existsSync(path)) return undefined;
  return new Blob([gunzipSync(readFileSync(path))], { type: 'application/x-tar' });
}

/**
 * Copies the template into `dataDir` when it holds no database yet (no `PG_VERSION`), and says
 * whether it did; false also in a tree not built, and PGlite then runs `initdb` as before.
 *
 * - Why not `loadDataDir`: PGlite unpacks a tarball file by file through its WASM file system,
 *   some 1.7 s of every fresh start for the template's 40 MB and 1,100 files; copied here, they
 *   took 0.3 to 1 s on the same disk.
 * - Synchronously: copied on libuv's thread pool, the small files took three times as long, and
 *   held up the module loader's reads queued behind them.
 * - `PG_VERSION` is copied last, so a copy cut short (a crash) is not taken for a database: the
 *   next start copies again over what is there.
 */
export function copyTemplate(dataDir: string, templateDir: string = TEMPLATE_DIR): boolean {
  if (existsSync(join(dataDir, PG_VERSION)) || !existsSync(join(templateDir, PG_VERSION)))
    return false;
  const entries = readdirSync(templateDir, { recursive: true, withFileTypes: true });
  const paths = (dirs: boolean) =>
    entries
      .filter((entry) => (dirs ? entry.isDirectory() : entry.isFile()))
      .map((entry) => relative(templateDir, join(entry.parentPath, entry.name)))
      .sort();
  // Sorted, so each directory's parent exists before it.
  for (const dir of paths(true)) mkdirSync(join(dataDir, dir), { recursive: true });
  for (const file of paths(false))
    if (file !== PG_VERSION) copyFileSync(join(templateDir, file), join(dataDir, file));
  copyFileSync(join(templateDir, PG_VERSION), join(dataDir, PG_VERSION));
  return true;
}
