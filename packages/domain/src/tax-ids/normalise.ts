/**
 * The common first step of every scheme: drop the separators people type or paste (spaces,
 * including non-breaking ones, dots, and hyphen/dash characters) and upper-case the rest. None
 * of the supported schemes uses those characters as part of the number, so stripping them never
 * merges two different numbers, and the same id typed two ways is stored (and compared) once.
 */
export function stripSeparators(raw: string): string {
  return raw.replace(/[\s.\u002D\u2010-\u2015\u2212]+/g, '').toUpperCase();
}
