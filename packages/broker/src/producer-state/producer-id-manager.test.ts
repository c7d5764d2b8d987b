import { describe, expect, it } from 'vitest';
import { ProducerIdManager } from './producer-id-manager.js';

describe('ProducerIdManager', () => {
  it('hands out ids from blocks, refilling once per block even under concurrent requests', async () => {
    let allocations = 0;
    const manager = new ProducerIdManager(async () => ({ start: 1000 * allocations++, length: 3 }));
    const ids = await Promise.all(Array.from({ length: 7 }, () => manager.nextId()));
    expect(ids.sort((a, b) => a - b)).toEqual([0, 1, 2, 1000, 1001, 1002, 2000]);
    expect(allocations).toBe(3);
  });
});
