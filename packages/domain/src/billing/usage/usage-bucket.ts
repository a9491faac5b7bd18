import { featureWindow, type GrantedFeature } from './feature-window.js';

const DAY_MS = 86_400_000;

/**
 * Where an event's quantity is added up: the running total of its customer and feature that starts
 * at the latest window boundary known now (a granting subscription's start, its current period's
 * start or end, the start or end of the feature's own window) at or before the event, and never
 * before the event's UTC day. Windows then read whole totals instead of summing raw events; a
 * window whose edge was not known when an event was stored (a later subscription, a period moved
 * since) still sums exactly, the store counting that edge's day from the raw events. So this
 * choice decides only how often that slow path is taken, never what a sum answers.
 */
export function usageBucket(granting: readonly GrantedFeature[], at: Date): Date {
  let start = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
  const consider = (boundary: Date) => {
    const ms = boundary.getTime();
    if (ms <= at.getTime() && ms > start) start = ms;
  };
  for (const granted of granting) {
    const { subscription } = granted;
    consider(subscription.createdAt);
    consider(subscription.currentPeriodStart);
    consider(subscription.currentPeriodEnd);
    const window = featureWindow(granted, at);
    consider(window.from);
    consider(window.to);
  }
  return new Date(start);
}
