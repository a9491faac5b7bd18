import type { Db } from '../database.js';

/**
 * `make` once per database handle: every store over one handle shares what it made (a
 * group-commit queue must be one per process and handle, however many stores are built on it).
 */
export function perHandle<T>(make: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) {
      value = make(db);
      made.set(db, value);
    }
    return value;
  };
}
