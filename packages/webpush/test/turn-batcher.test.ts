import { describe, expect, it } from 'vitest';
import { TurnBatcher } from '../src/turn-batcher.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatcher', () => {
  it('hands on full batches at once and the rest at the end of the turn, in order', async () => {
    const batches: number[][] = [];
    const batcher = new TurnBatcher<number>(3, (batch) => batches.push(batch));
    for (let i = 0; i < 7; i++) batcher.push(i);
    expect(batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    await nextTurn();
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    await nextTurn();
    expect(batches).toHaveLength(3);
  });

  it('drain takes what was not handed on, so nothing is sent after a failure', async () => {
    const batches: string[][] = [];
    const batcher = new TurnBatcher<string>(10, (batch) => batches.push(batch));
    batcher.push('a');
    batcher.push('b');
    expect(batcher.drain()).toEqual(['a', 'b']);
    await nextTurn();
    expect(batches).toEqual([]);
  });
});
