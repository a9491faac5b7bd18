import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * postgres.js's internal queue as patches/postgres@3.4.9.patch leaves it: `remove` looks from the
 * first live slot and a queue that never empties drops its spent slots (upstream searched and kept
 * every one). Held to a plain array over a long random run, most of it never empty.
 */
interface Queue<T> {
  readonly length: number;
  push(x: T): T;
  shift(): T | undefined;
  remove(x: T): T | null;
}

async function loadQueue(): Promise<<T>(initial?: T[]) => Queue<T>> {
  const entry = createRequire(import.meta.url).resolve('postgres');
  const file = join(dirname(entry), 'queue.js');
  const module = (await import(pathToFileURL(file).href)) as
    | { default: <T>(initial?: T[]) => Queue<T> }
    | (<T>(initial?: T[]) => Queue<T>);
  return typeof module === 'function' ? module : module.default;
}

describe("postgres.js's queue (patched)", () => {
  it('shifts, removes and counts as an array does, through 200,000 random steps', async () => {
    const Queue = await loadQueue();
    const queue = Queue<number>();
    const model: number[] = [];
    let seed = 1;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let removed = 0;
    for (let i = 0; i < 200_000; i++) {
      const step = random();
      // Pushes outnumber shifts, so the queue stays busy (never empty) for long stretches.
      if (step < 0.5) expect(queue.push(i)).toBe(model.push(i) && i);
      else if (step < 0.8) expect(queue.shift()).toBe(model.shift());
      else if (model.length > 0) {
        const x = model[Math.floor(random() * model.length)] as number;
        model.splice(model.indexOf(x), 1);
        expect(queue.remove(x)).toBe(x);
        expect(queue.remove(x)).toBeNull();
        removed++;
      }
      expect(queue.length).toBe(model.length);
    }
    expect(removed).toBeGreaterThan(10_000);
    expect(model.length).toBeGreaterThan(1_000);
    while (model.length > 0) expect(queue.shift()).toBe(model.shift());
    expect(queue.length).toBe(0);
  });
});
