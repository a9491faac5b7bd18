import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createPlatformStore, type Database, DataDirInUseError } from '@ledger/db';
import { issueApiKey, systemClock } from '@ledger/domain';
import { type AdminAnswer, type AdminRequest, askServer } from './admin-channel.js';
import { ensureDevKey } from './dev-key.js';
import { type Config, loadConfig } from './env.js';
import { withAdvice } from './in-use.js';
import { type RunningServer, startServer } from './server.js';
import { openConfiguredDatabase } from './start-checks.js';

const USAGE = `Usage:
  ledger serve                                   start the HTTP server
  ledger migrate                                 apply database migrations and exit
  ledger api-keys create --tenant T --app A [--name N]   print a new API key once
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

async function serve(config: Config): Promise<void> {
  const server = await startServer(config).catch((error: unknown) => {
    throw withAdvice(error, 'serve');
  });
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
 * Issues the key through the server that holds the data directory, over its admin channel: the
 * key is stored in that server's database, and works at once.
 */
async function createKeyThroughServer(refusal: DataDirInUseError, request: AdminRequest) {
  const { admin, pid } = refusal.holder;
  let answer: AdminAnswer;
  try {
    answer = await askServer(admin as string, request);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw withAdvice(refusal, 'api-keys create', `Its admin socket did not answer (${reason}).`);
  }
  if (!answer.ok) throw new Error(answer.error);
  console.log(`(through the server running on this data directory, pid ${pid})`);
  printKey(answer, answer.secret);
}

async function createKey(config: Config, args: string[]): Promise<void> {
  let values: { tenant?: string; app?: string; name?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { tenant: { type: 'string' }, app: { type: 'string' }, name: { type: 'string' } },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (!values.tenant || !values.app) throw new UsageError('--tenant and --app are required');
  const scope = { tenantId: values.tenant, appId: values.app };
  let database: Database;
  try {
    database = await openConfiguredDatabase(config, 'ledger api-keys create');
  } catch (error) {
    if (error instanceof DataDirInUseError && error.holder.admin)
      return createKeyThroughServer(error, { op: 'api-keys.create', ...scope, name: values.name });
    throw withAdvice(error, 'api-keys create');
  }
  try {
    const { secret, key } = await issueApiKey(
      await createPlatformStore(database.db),
      systemClock,
      scope,
      values.name ? { name: values.name } : {},
    );
    printKey(key, secret);
  } finally {
    await database.close();
  }
}

/** `ledger <command>`: the same binary serves, migrates and issues keys. */
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
