export {
  DataDirInUseError,
  type HolderDetails,
  LOCK_FILE,
  type LockHolder,
} from './data-dir-lock.js';
export { type Database, type DatabaseConfig, type Db, openDatabase } from './database.js';
export { createPlatformStore, createStore } from './store/index.js';
export {
  type DatabaseLimiterOptions,
  databaseRateLimiter,
  sweepRateLimits,
} from './store/rate-limits.js';
