import { DataDirInUseError } from '@ledger/db';

/** The CLI's commands that open the database themselves. */
export type Command = 'serve' | 'migrate' | 'api-keys create';

/**
 * A refusal of the embedded data directory (another process holds it) with what to do instead,
 * for `command`, after `note` (what else went wrong); any other error as it is. The refused
 * process exits with this message, not a stack.
 */
export function withAdvice(error: unknown, command: Command, note?: string): unknown {
  if (!(error instanceof DataDirInUseError)) return error;
  const { pid, command: holder } = error.holder;
  const stop = `stop it first (Ctrl-C where it runs, or kill ${pid})`;
  const advice =
    holder !== 'ledger serve'
      ? 'Wait for it to finish, then run this command again.'
      : {
          serve:
            `Only one process can open an embedded database: use that server, ${stop}, or give ` +
            'this one its own LEDGER_DATA_DIR (or a DATABASE_URL: any number of servers can share ' +
            'one PostgreSQL).',
          migrate: `It applied the migrations when it started; to run migrate on its own, ${stop}.`,
          'api-keys create': `To create the key, ${stop}, run this command again, then start the server again.`,
        }[command];
  const stale = `If no such process is running (its pid was reused after a crash), delete ${error.lockFile}.`;
  const refusal = note ? `${error.message} ${note}` : error.message;
  return new Error(`${refusal}\n${advice}\n${stale}`, { cause: error });
}
