import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_FOLDER, TEMPLATE_DIR, tarballOf } from './pglite-template.js';

/**
 * Writes the template (`pnpm build` runs this after compiling): a data directory migrated and
 * closed, and the same database as a tarball for databases in memory. A new PGlite data directory
 * costs about 2 s of `initdb` and migrations inside the WASM engine, paid by every fresh
 * `pnpm start` and by every in-memory database a test opens; starting from the template instead
 * takes a fraction of that. Opening still applies any migration newer than the template, so a
 * stale one is only slower, never wrong. Built beside `templateDir` and renamed into place, so a
 * build cut short leaves no half template.
 */
export async function writeTemplate(templateDir: string = TEMPLATE_DIR): Promise<void> {
  const building = `${templateDir}.building`;
  rmSync(building, { recursive: true, force: true });
  const client = new PGlite(building);
  try {
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    const tarball = await client.dumpDataDir('gzip');
    writeFileSync(tarballOf(templateDir), Buffer.from(await tarball.arrayBuffer()));
  } finally {
    await client.close();
  }
  rmSync(templateDir, { recursive: true, force: true });
  renameSync(building, templateDir);
}
