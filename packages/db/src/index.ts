export { bootEmbedded, type EmbeddedBoot } from './boot.js';
export {
  DataDirInUseError,
  type HolderDetails,
  LOCK_FILE,
  type LockHolder,
} from './data-dir-lock.js';
export { type Database, type DatabaseConfig, type Db, openDatabase } from './database.js';
export { withNamedStatements } from './pglite-statements.js';
export {
  API_KEY_CACHE_MAX_ENTRIES,
  API_KEY_CACHE_TTL_MS,
  API_KEY_CHANNEL,
} from './store/api-key-cache.js';
export { createPlatformStore, createStore } from './store/index.js';
export {
  type DatabaseLimiterOptions,
  databaseRateLimiter,
  sweepRateLimits,
} from './store/rate-limits.js';
