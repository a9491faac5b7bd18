import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Database } from '@ledger/db';
import { bootEmbedded, DataDirInUseError, type EmbeddedBoot } from '@ledger/db/boot';
import type { ApiKeyStore, Clock } from '@ledger/domain';
import type { AdminAnswer, AdminRequest } from './admin-channel.js';
import { type Config, loadConfig } from './env.js';
import { type Command, withAdvice } from './in-use.js';
import { checkPortFree } from './port-check.js';
import type { RunningServer } from './server.js';

// Only light modules load before a command starts: `serve` boots the embedded database while
// the rest of Ledger (half a second of modules) loads, and each command imports what it uses.

const USAGE = `Usage:
  ledger serve                                   start the HTTP server
  ledger migrate                                 apply database migrations and exit
  ledger api-keys create --tenant T --app A [--name N]   print a new API key once
  ledger api-keys revoke --tenant T --app A KEY_ID       revoke a key (every server refuses it)
  ledger help | --help                           this text (also: ledger <command> --help)

Configuration comes from the environment (PORT, HOST, DATABASE_URL, LEDGER_*, STRIPE_*);
see docs/configuration.md.`;

/** A mistake in how the CLI was called: printed with the usage, exit status 2. */
class UsageError extends Error {}

const wantsHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h');

/** Refuses arguments a command does not take, so a typo is not silently ignored. */
function noArguments(command: string, args: readonly string[]): void {
  if (args.length > 0)
    throw new UsageError(`"ledger ${command}" takes no arguments: ${args.join(' ')}`);
}

function where(config: Config): string {
  return config.DATABASE_URL
    ? 'PostgreSQL (DATABASE_URL)'
    : `PGlite at ${resolve(config.LEDGER_DATA_DIR)}`;
}

/**
 * On the embedded database the port is checked and PGlite starts booting (its files read, its
 * WASM compiled on V8's background threads) before the server's modules load, so the two overlap.
 */
async function serve(config: Config): Promise<void> {
  let embedded: EmbeddedBoot | undefined;
  let server: RunningServer;
  try {
    if (!config.DATABASE_URL) {
      await checkPortFree(config);
      embedded = bootEmbedded(config.LEDGER_DATA_DIR, 'ledger serve');
    }
    const { startServer } = await import('./server.js');
    server = await startServer(config, embedded ? { embedded } : {});
  } catch (error) {
    await embedded?.discard();
    throw withAdvice(error, 'serve');
  }
  const [{ ensureDevKey }, { systemClock }] = await Promise.all([
    import('./dev-key.js'),
    import('@ledger/domain'),
  ]);
  const { deps, database } = server.ledger;
  console.log(`Ledger is listening on ${server.url} (database: ${where(config)})`);
  console.log(`API reference: ${server.url}/docs`);
  if (database.kind === 'pglite') {
    const dev = await ensureDevKey(deps.platform, systemClock, config.LEDGER_DEV_API_KEY);
    if (dev?.created)
      console.log(`API key for tenant "dev", app "default" (shown once): ${dev.secret}`);
    else if (dev)
      console.log('API key for tenant "dev", app "default": the LEDGER_DEV_API_KEY you set');
    else
      console.log(
        'The dev API key was printed on the first start (or create one: ledger api-keys create).',
      );
  }
  console.log(`Try: curl -H "Authorization: Bearer <key>" ${server.url}/ledger/customers`);
  stopOnSignals(server, config);
}

/** The exit status of a process ended by `signal` (128 + its number, as shells report it). */
const SIGNAL_STATUS: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * The first SIGTERM or SIGINT stops the server gracefully (`RunningServer.close`) and exits 0;
 * a second one, while that is under way, exits at once without waiting for anything.
 */
function stopOnSignals(server: RunningServer, config: Config): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting for requests or the database.`);
      process.exit(SIGNAL_STATUS[signal] ?? 1);
    }
    stopping = true;
    console.log(
      `${signal}: finishing in-flight requests (up to ${config.LEDGER_SHUTDOWN_TIMEOUT_MS} ms), ` +
        'then closing the database… (send it again to exit at once)',
    );
    server.close().then(
      ({ forced }) => {
        if (forced > 0)
          console.log(
            `${forced} connection${forced === 1 ? '' : 's'} still open after ` +
              `${config.LEDGER_SHUTDOWN_TIMEOUT_MS} ms ${forced === 1 ? 'was' : 'were'} closed.`,
          );
        console.log('Ledger stopped.');
        process.exit(0);
      },
      (err: unknown) => {
        server.ledger.log.fatal({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function migrate(config: Config): Promise<void> {
  const { openConfiguredDatabase } = await import('./start-checks.js');
  const database = await openConfiguredDatabase(config, 'ledger migrate').catch(
    (error: unknown) => {
      throw withAdvice(error, 'migrate');
    },
  );
  await database.close();
  console.log(`Migrations applied (${where(config)}).`);
}

/** A new key, printed once. */
function printKey(key: { id: string; tenantId: string; appId: string }, secret: string): void {
  console.log(`Created ${key.id} for tenant "${key.tenantId}", app "${key.appId}". Shown once:`);
  console.log(secret);
}

/**
 * Asks the server that holds the data directory, over its admin channel, to do what the CLI was
 * refused: the key is created (or revoked) in that server's database, and works (or is refused)
 * at once.
 */
async function throughServer(
  refusal: DataDirInUseError,
  command: Command,
  request: AdminRequest,
): Promise<Exclude<AdminAnswer, { ok: false }>> {
  const { admin, pid } = refusal.holder;
  const { askServer } = await import('./admin-channel.js');
  let answer: AdminAnswer;
  try {
    answer = await askServer(admin as string, request);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw withAdvice(refusal, command, `Its admin socket did not answer (${reason}).`);
  }
  if (!answer.ok) throw new Error(answer.error);
  console.log(`(through the server running on this data directory, pid ${pid})`);
  return answer;
}

/** The scope (`--tenant`, `--app`) and the other options of an `api-keys` command. */
function keyArgs(args: string[], positionals: boolean) {
  try {
    const parsed = parseArgs({
      args,
      allowPositionals: positionals,
      options: { tenant: { type: 'string' }, app: { type: 'string' }, name: { type: 'string' } },
    });
    const { tenant, app } = parsed.values;
    if (!tenant || !app) throw new UsageError('--tenant and --app are required');
    return { scope: { tenantId: tenant, appId: app }, ...parsed };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Runs `work` on the configured database's keys, or, when a server holds the embedded data
 * directory, sends `request` to that server instead (`remote` prints its answer).
 */
async function onDatabase(
  config: Config,
  command: 'api-keys create' | 'api-keys revoke',
  request: AdminRequest,
  work: (keys: ApiKeyStore, clock: Clock) => Promise<void>,
  remote: (answer: Exclude<AdminAnswer, { ok: false }>) => void,
): Promise<void> {
  const [{ openConfiguredDatabase }, { createPlatformStore }, { systemClock }] = await Promise.all([
    import('./start-checks.js'),
    import('@ledger/db'),
    import('@ledger/domain'),
  ]);
  let database: Database;
  try {
    database = await openConfiguredDatabase(config, `ledger ${command}`);
  } catch (error) {
    if (error instanceof DataDirInUseError && error.holder.admin)
      return remote(await throughServer(error, command, request));
    throw withAdvice(error, command);
  }
  try {
    await work(await createPlatformStore(database.db), systemClock);
  } finally {
    await database.close();
  }
}

async function createKey(config: Config, args: string[]): Promise<void> {
  const { scope, values } = keyArgs(args, false);
  const request: AdminRequest = { op: 'api-keys.create', ...scope, name: values.name };
  await onDatabase(
    config,
    'api-keys create',
    request,
    async (keys, clock) => {
      const { issueApiKey } = await import('@ledger/domain');
      const { secret, key } = await issueApiKey(
        keys,
        clock,
        scope,
        values.name ? { name: values.name } : {},
      );
      printKey(key, secret);
    },
    (answer) => {
      if (!('secret' in answer)) throw new Error('The server answered without a key');
      printKey(answer, answer.secret);
    },
  );
}

/**
 * Revokes a key: the server that revoked it (through the admin channel) refuses it at once, and
 * on PostgreSQL every server hears of it from the database (docs/rest.md, "Authentication").
 */
async function revokeKey(config: Config, args: string[]): Promise<void> {
  const { scope, values, positionals } = keyArgs(args, true);
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0 || values.name !== undefined)
    throw new UsageError('api-keys revoke takes --tenant, --app and one KEY_ID');
  const report = (revoked: boolean) => {
    if (!revoked)
      throw new Error(`No live key ${id} for tenant "${scope.tenantId}", app "${scope.appId}".`);
    console.log(`Revoked ${id} of tenant "${scope.tenantId}", app "${scope.appId}".`);
  };
  await onDatabase(
    config,
    'api-keys revoke',
    { op: 'api-keys.revoke', ...scope, id },
    async (keys, clock) => {
      report(await keys.revokeApiKey(scope, id, clock.now()));
    },
    (answer) => report('revoked' in answer && answer.revoked),
  );
}

/** `ledger <command>`: the same binary serves, migrates, issues and revokes keys. */
export async function main(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  if (command === 'help' || wantsHelp(argv)) {
    console.log(USAGE);
    return;
  }
  if (command === 'serve' || command === undefined) {
    noArguments('serve', argv.slice(1));
    return serve(loadConfig());
  }
  if (command === 'migrate') {
    noArguments('migrate', argv.slice(1));
    return migrate(loadConfig());
  }
  if (command === 'api-keys' && sub === 'create') return createKey(loadConfig(), rest);
  if (command === 'api-keys' && sub === 'revoke') return revokeKey(loadConfig(), rest);
  throw new UsageError(`Unknown command "${argv.join(' ')}"`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
