import { PGlite, types } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/index.js';
import { withNamedStatements } from '../src/pglite-statements.js';

/**
 * On PGlite, Ledger's statements run as named prepared statements from their second run on:
 * the same answers as PGlite's own unnamed `query`, errors included, in and out of transactions,
 * with a bounded number kept prepared.
 */

let raw: PGlite;
let named: PGlite;

/** The texts the engine holds prepared under a name (PGlite is one session: this one). */
async function preparedTexts(): Promise<string[]> {
  const { rows } = await raw.query<{ statement: string }>(
    'SELECT statement FROM pg_prepared_statements',
  );
  return rows.map((row) => row.statement);
}

beforeAll(async () => {
  raw = await PGlite.create();
  named = withNamedStatements(raw);
  await raw.exec(`CREATE TABLE t (id int PRIMARY KEY, label text, doc jsonb, at timestamptz,
    flag boolean, amount bigint, tags text[])`);
});
afterAll(() => raw.close());

describe('named statements on PGlite', () => {
  it('prepares a text from its second run on, and answers as PGlite itself does', async () => {
    const insert =
      'INSERT INTO t (id, label, doc, at, flag, amount, tags) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *';
    const values = (id: number) => [
      id,
      id === 2 ? null : `row ${id}`,
      { n: id, nested: [1, 'two'] },
      new Date(Date.UTC(2026, 0, id)),
      id % 2 === 0,
      9_007_199_254_740_993n + BigInt(id),
      ['a', `b${id}`],
    ];
    const first = await named.query(insert, values(1));
    expect(await preparedTexts()).not.toContain(insert);
    const second = await named.query(insert, values(2));
    const third = await named.query(insert, values(3));
    expect(await preparedTexts()).toContain(insert);
    // What PGlite's unnamed query answers for the same statement.
    await raw.query('DELETE FROM t WHERE id IN (2, 3)');
    const expected2 = await raw.query(insert, values(2));
    const expected3 = await raw.query(insert, values(3));
    for (const [got, want] of [
      [second, expected2],
      [third, expected3],
    ] as const) {
      expect(got.rows).toEqual(want.rows);
      expect(got.fields).toEqual(want.fields);
      expect(got.affectedRows).toBe(want.affectedRows);
    }
    expect(first.rows[0]).toMatchObject({ id: 1, label: 'row 1', flag: false, tags: ['a', 'b1'] });
    expect(second.rows[0]).toMatchObject({ label: null, amount: 9_007_199_254_740_995n });
  });

  it('keeps the caller’s row mode and parsers, as drizzle passes them', async () => {
    const select = 'SELECT id, at, doc FROM t WHERE id = $1';
    const options = {
      rowMode: 'array' as const,
      parsers: { [types.TIMESTAMPTZ]: (v: string) => v },
    };
    await named.query(select, [1], options);
    const got = await named.query(select, [1], options);
    expect(await preparedTexts()).toContain(select);
    expect(got.rows).toEqual((await raw.query(select, [1], options)).rows);
    expect(typeof (got.rows[0] as unknown[])[1]).toBe('string');
  });

  it('rejects a bad value with the database’s error, and the statement still serves', async () => {
    const select = 'SELECT label FROM t WHERE id = $1';
    await named.query(select, [1]);
    await named.query(select, [1]);
    const failure = await named.query(select, ['not a number']).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: '22P02', query: select, params: ['not a number'] });
    expect((await named.query(select, [1])).rows).toEqual([{ label: 'row 1' }]);
  });

  it('runs named inside a transaction, whose rollback undoes its writes', async () => {
    const update = 'UPDATE t SET label = $2 WHERE id = $1';
    await named.query(update, [1, 'row 1']);
    await expect(
      named.transaction(async (tx) => {
        await tx.query(update, [1, 'changed']);
        expect((await tx.query('SELECT label FROM t WHERE id = 1')).rows).toEqual([
          { label: 'changed' },
        ]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await preparedTexts()).toContain(update);
    expect((await raw.query('SELECT label FROM t WHERE id = 1')).rows).toEqual([
      { label: 'row 1' },
    ]);
    // A statement that fails aborts the transaction as it would unnamed.
    await expect(
      named.transaction(async (tx) => {
        await tx.query(update, ['x', 'y']);
      }),
    ).rejects.toMatchObject({ code: '22P02' });
    expect((await named.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 3 }]);
  });

  it('answers after the table changes under a prepared statement, or the statements are dropped', async () => {
    const all = 'SELECT * FROM t WHERE id = $1';
    await named.query(all, [1]);
    await named.query(all, [1]);
    await raw.exec('ALTER TABLE t ADD COLUMN extra int DEFAULT 7');
    expect((await named.query(all, [1])).rows[0]).toMatchObject({ id: 1, extra: 7 });
    await raw.exec('DEALLOCATE ALL');
    expect((await named.query(all, [1])).rows[0]).toMatchObject({ id: 1, extra: 7 });
    expect((await named.query(all, [1])).rows[0]).toMatchObject({ id: 1, extra: 7 });
  });

  it('keeps at most 256 statements prepared, closing the least recently run', async () => {
    await raw.exec('DEALLOCATE ALL');
    const text = (i: number) => `SELECT ${i} AS n, label FROM t WHERE id = $1`;
    for (let i = 0; i < 300; i++) {
      await named.query(text(i), [1]);
      expect((await named.query(text(i), [1])).rows).toEqual([{ n: i, label: 'row 1' }]);
    }
    const held = await preparedTexts();
    expect(held.length).toBeLessThanOrEqual(256);
    expect(held).toContain(text(299));
    expect(held).not.toContain(text(0));
  });
});

describe('Ledger on PGlite', () => {
  it('runs its store’s statements named', async () => {
    const database = await openDatabase({});
    try {
      const client = (database.db as unknown as { $client: PGlite }).$client;
      const before = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_prepared_statements',
      );
      for (let i = 0; i < 3; i++) await database.db.execute('SELECT 1 AS one');
      const { rows } = await client.query<{ statement: string }>(
        'SELECT statement FROM pg_prepared_statements',
      );
      expect(rows.map((row) => row.statement)).toContain('SELECT 1 AS one');
      expect(rows.length).toBe((before.rows[0]?.n ?? 0) + 1);
    } finally {
      await database.close();
    }
  });
});
