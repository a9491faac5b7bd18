export { type Database, type DatabaseConfig, type Db, openDatabase } from './database.js';
export { createPlatformStore, createStore } from './store/index.js';
