import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { copyTemplate, templateFor } from './pglite-template.js';

export { DataDirInUseError, type LockHolder } from './data-dir-lock.js';

/**
 * An embedded database on its way up: its data directory locked, the template copied in when it
 * holds no database yet, PGlite reading its files and compiling its WASM. Started before the rest
 * of Ledger loads (`@ledger/db/boot` imports only PGlite), so that work overlaps the half second
 * the server's own modules take to load; `openDatabase` takes it over (`DatabaseConfig.embedded`).
 */
export interface EmbeddedBoot {
  /** The data directory, or undefined in memory. */
  readonly dataDir: string | undefined;
  /** Hands the client and the lock to the one that opens the database; a second call throws. */
  claim(): { client: PGlite; lock: DataDirLock | null };
  /** Closes the client and releases the lock, unless they were claimed: for a start that failed first. */
  discard(): Promise<void>;
}

/** PGlite in `dataDir` (from the template when it holds no database yet), or in memory. */
function startPglite(dataDir: string | undefined): PGlite {
  if (dataDir) {
    copyTemplate(dataDir);
    return new PGlite(dataDir);
  }
  const loadDataDir = templateFor();
  return new PGlite(loadDataDir ? { loadDataDir } : {});
}

/**
 * Locks `dataDir` for `holder` (a live holder is refused at once with `DataDirInUseError`) and
 * starts PGlite in it; in memory when `dataDir` is undefined. A failure of PGlite itself surfaces
 * at the first query.
 */
export function bootEmbedded(dataDir: string | undefined, holder: string): EmbeddedBoot {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const lock = dataDir ? lockDataDir(dataDir, holder) : null;
  let client: PGlite;
  try {
    client = startPglite(dataDir);
  } catch (error) {
    lock?.release();
    throw error;
  }
  // Awaited by the first query; handled here too, so a boot that fails before then is not an
  // unhandled rejection.
  client.waitReady.catch(() => {});
  let claimed = false;
  return {
    dataDir,
    claim() {
      if (claimed) throw new Error('This embedded database was already opened');
      claimed = true;
      return { client, lock };
    },
    async discard() {
      if (claimed) return;
      claimed = true;
      try {
        await client.close();
      } catch {
        // It never came up: there is nothing to close.
      } finally {
        lock?.release();
      }
    },
  };
}
