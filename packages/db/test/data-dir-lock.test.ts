import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataDirInUseError,
  LOCK_FILE,
  type LockHolder,
  lockDataDir,
} from '../src/data-dir-lock.js';
import { openDatabase } from '../src/database.js';

/** The pid of a process that has exited (so no process has it, until the system reuses it). */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid as number;
}

const lockOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder;

describe('the lock of a PGlite data directory', () => {
  let root: string;
  let n = 0;
  const freshDir = () => {
    const dir = join(root, `dir-${n++}`);
    mkdirSync(dir);
    return dir;
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ledger-lock-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('names its holder, refuses a second taker while held, and is free again once released', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir, 'ledger serve');
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, command: 'ledger serve' });
    lock.advertise({ url: 'http://127.0.0.1:3000' });
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:3000' });

    const refusal = (() => {
      try {
        lockDataDir(dir, 'ledger migrate');
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(DataDirInUseError);
    expect((refusal as Error).message).toBe(
      `The data directory ${dir} is in use by ledger serve (pid ${process.pid}, listening on ` +
        `http://127.0.0.1:3000, since ${lockOf(dir).startedAt}).`,
    );

    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir, 'ledger migrate').release();
  });

  it('takes over a lock whose process is gone, or that is not a lock at all', () => {
    const dir = freshDir();
    const file = join(dir, LOCK_FILE);
    for (const stale of [
      JSON.stringify({ pid: deadPid(), command: 'ledger serve', startedAt: '2026-01-01' }),
      // A lock an earlier run left with the pid this process has now (a container's pid 1).
      JSON.stringify({ pid: process.pid, command: 'ledger serve', startedAt: '2026-01-01' }),
      'not json',
    ]) {
      writeFileSync(file, stale);
      // Not one being written this moment (that would be waited for).
      const past = new Date(Date.now() - 60_000);
      utimesSync(file, past, past);
      const lock = lockDataDir(dir, 'ledger api-keys create');
      expect(lockOf(dir)).toMatchObject({ pid: process.pid, command: 'ledger api-keys create' });
      lock.release();
    }
  });

  it('is taken when PGlite opens a data directory, and released when it closes', async () => {
    const dir = freshDir();
    const database = await openDatabase({ dataDir: dir, holder: 'ledger serve' });
    try {
      expect(database.dataDir).toBe(dir);
      await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(database.ping()).resolves.toBeUndefined();
    } finally {
      await database.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
