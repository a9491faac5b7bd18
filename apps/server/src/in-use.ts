import { DataDirInUseError, type LockHolder } from '@ledger/db/boot';

/** The CLI's commands that open the database themselves. */
export type Command = 'serve' | 'migrate' | 'api-keys create' | 'api-keys revoke';

/** What to do instead of `command` while `holder` holds the data directory. */
function advice(holder: LockHolder, command: Command): string {
  const stop = `stop it first (Ctrl-C where it runs, or kill ${holder.pid})`;
  if (holder.command !== 'ledger serve')
    return 'Wait for it to finish, then run this command again.';
  if (!holder.url) return `It is still starting: try again in a moment, or ${stop}.`;
  if (command === 'serve')
    return (
      `Only one process can open an embedded database: use that server, ${stop}, or give this ` +
      'one its own LEDGER_DATA_DIR (or a DATABASE_URL: any number of servers can share one ' +
      'PostgreSQL).'
    );
  if (command === 'migrate')
    return `It applied the migrations when it started; to run migrate on its own, ${stop}.`;
  const what = command === 'api-keys create' ? 'create' : 'revoke';
  return `To ${what} the key, ${stop}, run this command again, then start the server again.`;
}

/**
 * A refusal of the embedded data directory (another process holds it) with what to do instead,
 * for `command`, after `note` (what else went wrong); any other error as it is. The refused
 * process exits with this message, not a stack.
 */
export function withAdvice(error: unknown, command: Command, note?: string): unknown {
  if (!(error instanceof DataDirInUseError)) return error;
  const refusal = note ? `${error.message} ${note}` : error.message;
  const stale = `If no such process is running (its pid was reused after a crash), delete ${error.lockFile}.`;
  return new Error(`${refusal}\n${advice(error.holder, command)}\n${stale}`, { cause: error });
}
