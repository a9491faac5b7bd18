import { describe, expect, it } from 'vitest';
import { groupCommit } from '../src/store/group-commit.js';

/** A send whose calls each wait until the test releases them, recording every batch. */
function heldSend() {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const send = (batch: number[]) =>
    new Promise<void>((resolve) => {
      batches.push(batch);
      releases.push(resolve);
    });
  return { batches, releases, send };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('a group-commit queue', () => {
  it('sends what arrives in one turn together, in batches of at most perStatement', async () => {
    const { batches, send } = heldSend();
    const push = groupCommit(send, { inFlightAtMost: 4, perStatement: 3 });
    for (let i = 0; i < 7; i++) push(i);
    expect(batches).toEqual([]);
    await turn();
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('holds what arrives while inFlightAtMost sends run, and sends it together after', async () => {
    const { batches, releases, send } = heldSend();
    const push = groupCommit(send, { inFlightAtMost: 1, perStatement: 100 });
    push(1);
    await turn();
    push(2);
    push(3);
    await turn();
    expect(batches).toEqual([[1]]);
    releases[0]?.();
    await turn();
    await turn();
    expect(batches).toEqual([[1], [2, 3]]);
  });
});
