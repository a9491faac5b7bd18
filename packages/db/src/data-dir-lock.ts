import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * One process per PGlite data directory. PGlite is PostgreSQL inside this process, without the
 * postmaster that would stop a second one: two processes on one directory each write as if alone,
 * and what the second one writes is lost, or breaks the data. So the directory holds a lock file
 * naming its process, and a second process is refused with that name instead.
 */

/** The lock file, in the data directory. */
export const LOCK_FILE = 'ledger.lock';

/** Who holds a data directory, as its lock file says. */
export interface LockHolder {
  pid: number;
  /** What it is running, e.g. `ledger serve`. */
  command: string;
  startedAt: string;
  /** Where it serves HTTP, once it listens. */
  url?: string;
  /** Its local admin socket, when it has one (`ledger api-keys create` goes through it). */
  admin?: string;
}

/** Where a holder can be reached, added to its lock file once known. */
export type HolderDetails = Pick<LockHolder, 'url' | 'admin'>;

/** A second process's refusal: the directory and who holds it. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';

  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
    readonly lockFile: string,
  ) {
    const facts = [`pid ${holder.pid}`, holder.url && `listening on ${holder.url}`];
    super(
      `The data directory ${dataDir} is in use by ${holder.command} ` +
        `(${facts.filter(Boolean).join(', ')}, since ${holder.startedAt}).`,
    );
  }
}

/** A held lock. */
export interface DataDirLock {
  /** Adds where this process can be reached, for the message a refused process prints. */
  advertise(details: HolderDetails): void;
  /** Removes the lock file (if it is still this process's). */
  release(): void;
}

/** Lock files this process holds: a lock with this process's pid is stale unless listed here. */
const held = new Set<string>();

function isAlive(pid: number, lockFile: string): boolean {
  // The pid of a lock left by an earlier run can be this process's own (a container's pid 1).
  if (pid === process.pid) return held.has(lockFile);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    const valid =
      Number.isInteger(value.pid) &&
      (value.pid as number) > 0 &&
      typeof value.command === 'string' &&
      typeof value.startedAt === 'string';
    return valid ? (value as LockHolder) : null;
  } catch {
    return null;
  }
}

/** Writes `text` beside `file` first, so a reader never sees a file half written. */
function withTempCopy<T>(file: string, text: string, use: (temp: string) => T): T {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, text);
  try {
    return use(temp);
  } finally {
    // Gone already when `use` renamed it into place.
    rmSync(temp, { force: true });
  }
}

const exists = (error: unknown) => (error as NodeJS.ErrnoException).code === 'EEXIST';

/**
 * Creates `file` holding `text`; false if it exists. A hard link to a finished copy makes it
 * appear whole and at once; where the file system has no hard links, an exclusive open does
 * (a reader may then see it half written for a moment, see `lockDataDir`).
 */
function createExclusive(file: string, text: string): boolean {
  return withTempCopy(file, text, (temp) => {
    try {
      linkSync(temp, file);
      return true;
    } catch (error) {
      if (exists(error)) return false;
    }
    try {
      writeFileSync(file, text, { flag: 'wx' });
      return true;
    } catch (error) {
      if (exists(error)) return false;
      throw error;
    }
  });
}

/** How long a lock file that does not parse may be one still being written. */
const WRITING_MS = 2000;

function isRecent(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < WRITING_MS;
  } catch {
    return false;
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Removes the stale lock `file` if it still reads `staleText`. Two processes that both found it
 * stale must not both remove it (the second would remove the first one's new lock), so the
 * check and the removal run under a second lock file, itself taken over when its pid is dead.
 */
function removeStale(file: string, staleText: string): void {
  const guard = `${file}.takeover`;
  if (!createExclusive(guard, String(process.pid))) {
    const otherText = readText(guard);
    const other = Number(otherText);
    if (Number.isInteger(other) && other > 0 && isAlive(other, guard)) pause(20);
    else if (otherText !== null && readText(guard) === otherText) rmSync(guard, { force: true });
    return;
  }
  try {
    if (readText(file) === staleText) rmSync(file, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

/**
 * Takes the lock of `dataDir` for this process, running `command`: created exclusively, so of
 * two processes that start at once only one gets it. A lock whose process is gone (a crash, a
 * `kill -9`) is taken over; a live one is refused with `DataDirInUseError`, which names it.
 */
export function lockDataDir(dataDir: string, command: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  let text = JSON.stringify(mine);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(file, text)) {
      held.add(file);
      return {
        advertise(details) {
          Object.assign(mine, details);
          const next = JSON.stringify(mine);
          withTempCopy(file, next, (temp) => renameSync(temp, file));
          text = next;
        },
        release() {
          if (!held.delete(file)) return;
          if (readText(file) === text) rmSync(file, { force: true });
        },
      };
    }
    const found = readText(file);
    if (found === null) continue;
    const holder = parseHolder(found);
    if (holder && isAlive(holder.pid, file))
      throw new DataDirInUseError(resolve(dataDir), holder, file);
    if (!holder && isRecent(file)) pause(50);
    else removeStale(file, found);
  }
  throw new Error(`Cannot lock the data directory ${resolve(dataDir)}: ${file} keeps changing.`);
}
