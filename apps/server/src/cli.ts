import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createPlatformStore, openDatabase } from '@ledger/db';
import { issueApiKey, systemClock } from '@ledger/domain';
import { ensureDevKey } from './dev-key.js';
import { type Config, loadConfig } from './env.js';
import { startServer } from './server.js';

const USAGE = `Usage:
  ledger serve                                   start the HTTP server
  ledger migrate                                 apply database migrations and exit
  ledger api-keys create --tenant T --app A [--name N]   print a new API key once`;

function where(config: Config): string {
  return config.DATABASE_URL
    ? 'PostgreSQL (DATABASE_URL)'
    : `PGlite at ${resolve(config.LEDGER_DATA_DIR)}`;
}

async function serve(config: Config): Promise<void> {
  const server = await startServer(config);
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
  const stop = (signal: string) => {
    console.log(`${signal}: finishing in-flight requests, then closing the database…`);
    server.close().then(
      () => {
        console.log('Ledger stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

async function migrate(config: Config): Promise<void> {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.LEDGER_DATA_DIR,
  });
  await database.close();
  console.log(`Migrations applied (${where(config)}).`);
}

async function createKey(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { tenant: { type: 'string' }, app: { type: 'string' }, name: { type: 'string' } },
  });
  if (!values.tenant || !values.app) throw new Error(`--tenant and --app are required\n${USAGE}`);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.LEDGER_DATA_DIR,
  });
  try {
    const { secret, key } = await issueApiKey(
      createPlatformStore(database.db),
      systemClock,
      { tenantId: values.tenant, appId: values.app },
      values.name ? { name: values.name } : {},
    );
    console.log(`Created ${key.id} for tenant "${key.tenantId}", app "${key.appId}". Shown once:`);
    console.log(secret);
  } finally {
    await database.close();
  }
}

/** `ledger <command>`: the same binary serves, migrates and issues keys. */
export async function main(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  const config = loadConfig();
  if (command === 'serve' || command === undefined) return serve(config);
  if (command === 'migrate') return migrate(config);
  if (command === 'api-keys' && sub === 'create') return createKey(config, rest);
  throw new Error(`Unknown command "${argv.join(' ')}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
