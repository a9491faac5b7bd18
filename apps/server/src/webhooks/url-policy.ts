import {
  isLocalHostname,
  isPublicAddress,
  parseIpLiteral,
  type WebhookUrlPolicy,
} from '@ledger/domain';
import { resolvesPublicly } from './send.js';

/**
 * Where endpoints may point: not at loopback, private, link-local or multicast addresses, given
 * literally, as `localhost`, or by a name that resolves to one (checked again at every attempt,
 * against DNS rebinding). `allowPrivate` (`LEDGER_WEBHOOK_ALLOW_PRIVATE`) lifts the rule.
 */
export function webhookUrlPolicy(allowPrivate: boolean): WebhookUrlPolicy {
  return {
    async refusal(url) {
      if (allowPrivate) return null;
      const host = url.hostname;
      const literal = parseIpLiteral(host);
      if (literal !== null) {
        return isPublicAddress(literal)
          ? null
          : `${host} is a loopback, private, link-local or multicast address`;
      }
      if (isLocalHostname(host)) return `${host} is a loopback host`;
      return resolvesPublicly(host);
    },
  };
}
