import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/index.js';
import { copyTemplate, TEMPLATE_DIR, tarballOf, templateFor } from '../src/pglite-template.js';
import { writeTemplate } from '../src/write-template.js';

/**
 * A database that does not exist yet starts from the build's template (an initialised and
 * migrated data directory, copied; in memory, its tarball) instead of running initdb. initdb gives every cluster a new random
 * system identifier, so a database loaded from the template is recognised by carrying its one.
 */

const root = mkdtempSync(join(tmpdir(), 'ledger-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function systemIdOf(database: Database): Promise<string> {
  const result = (await database.db.execute(
    sql`select system_identifier::text as id from pg_control_system()`,
  )) as unknown as { rows: Array<{ id: string }> };
  return result.rows[0]?.id ?? '';
}

async function templateSystemId(templateDir: string): Promise<string> {
  const client = new PGlite({ loadDataDir: templateFor(templateDir) });
  try {
    const { rows } = await client.query<{ id: string }>(
      'select system_identifier::text as id from pg_control_system()',
    );
    return rows[0]?.id ?? '';
  } finally {
    await client.close();
  }
}

describe('the PGlite template', () => {
  it('is written by the build, as a data directory and as a tarball', () => {
    expect(existsSync(join(TEMPLATE_DIR, 'PG_VERSION'))).toBe(true);
    expect(existsSync(tarballOf(TEMPLATE_DIR))).toBe(true);
  });

  it('is what a new database in memory and in a new data directory start from, migrated', async () => {
    const expected = await templateSystemId(TEMPLATE_DIR);
    expect(expected).toMatch(/^\d+$/);
    const dataDir = join(root, 'fresh');
    for (const database of [await openDatabase({}), await openDatabase({ dataDir })]) {
      try {
        expect(await systemIdOf(database)).toBe(expected);
        const tables = (await database.db.execute(
          sql`select count(*)::int as n from pg_tables where tablename = 'customers'`,
        )) as unknown as { rows: Array<{ n: number }> };
        expect(tables.rows[0]?.n).toBe(1);
      } finally {
        await database.close();
      }
    }
  });

  it('never replaces an existing data directory: a restart keeps its rows', async () => {
    const dataDir = join(root, 'kept');
    const first = await openDatabase({ dataDir });
    await first.db.execute(
      sql`insert into customers (tenant_id, app_id, id, name, email, currency, created_at, updated_at)
          values ('t', 'a', 'cus_kept', 'Kept', 'kept@example.com', 'USD', now(), now())`,
    );
    await first.close();
    expect(copyTemplate(dataDir)).toBe(false);
    const again = await openDatabase({ dataDir });
    try {
      const found = (await again.db.execute(
        sql`select id from customers where id = 'cus_kept'`,
      )) as unknown as { rows: unknown[] };
      expect(found.rows).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('is copied again over a copy cut short, which has no PG_VERSION yet', async () => {
    const dataDir = join(root, 'cut-short');
    // What a crash part way through the copy leaves: some files, one of them half written.
    mkdirSync(join(dataDir, 'global'), { recursive: true });
    writeFileSync(join(dataDir, 'global', 'pg_control'), 'half');
    const database = await openDatabase({ dataDir });
    try {
      expect(await systemIdOf(database)).toBe(await templateSystemId(TEMPLATE_DIR));
    } finally {
      await database.close();
    }
  });

  it('is written afresh with a new identity, and none at a path means initdb', async () => {
    const other = join(root, 'other');
    expect(templateFor(other)).toBeUndefined();
    expect(copyTemplate(join(root, 'unbuilt'), other)).toBe(false);
    await writeTemplate(other);
    const identity = await templateSystemId(other);
    expect(identity).toMatch(/^\d+$/);
    expect(identity).not.toBe(await templateSystemId(TEMPLATE_DIR));
    // Its data directory is the same database as its tarball.
    const dataDir = join(root, 'from-other');
    expect(copyTemplate(dataDir, other)).toBe(true);
    const client = new PGlite(dataDir);
    try {
      const { rows } = await client.query<{ id: string }>(
        'select system_identifier::text as id from pg_control_system()',
      );
      expect(rows[0]?.id).toBe(identity);
    } finally {
      await client.close();
    }
  });
});
