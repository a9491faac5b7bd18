import { type ApiKeyStore, type Clock, hashApiKey, issueApiKey } from '@ledger/domain';

/** The scope the embedded default's first key belongs to. */
export const DEV_SCOPE = { tenantId: 'dev', appId: 'default' } as const;

/**
 * On the embedded default, makes sure the dev scope has a key: the first start creates one
 * (`LEDGER_DEV_API_KEY`, or a random secret) and returns it so it can be printed once. A chosen
 * key that is not stored yet (e.g. added to an existing data directory) is added.
 */
export async function ensureDevKey(
  keys: ApiKeyStore,
  clock: Clock,
  chosen: string | undefined,
): Promise<{ secret: string; created: boolean } | null> {
  if (chosen) {
    const known = await keys.findApiKeyByHash(await hashApiKey(chosen));
    if (known) return { secret: chosen, created: false };
    await issueApiKey(keys, clock, DEV_SCOPE, { secret: chosen, name: 'dev (LEDGER_DEV_API_KEY)' });
    return { secret: chosen, created: true };
  }
  if ((await keys.countApiKeys(DEV_SCOPE)) > 0) return null;
  const { secret } = await issueApiKey(keys, clock, DEV_SCOPE, { name: 'dev (first start)' });
  return { secret, created: true };
}
