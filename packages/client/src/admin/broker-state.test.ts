import type { ClusterBroker__Output } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { brokerState } from './broker-state.js';

const broker = (fenced: boolean, inControlledShutdown: boolean): ClusterBroker__Output => ({
  brokerId: 4,
  endpoints: [{ listenerName: 'PLAINTEXT', host: 'b4', port: 9095 }],
  rack: 'r2',
  brokerEpoch: 12,
  fenced,
  inControlledShutdown,
});

describe('brokerState', () => {
  it('calls a fenced broker fenced even after its controlled shutdown, and an unfenced one in controlled shutdown shutting down', () => {
    expect(brokerState(broker(false, false))).toEqual({
      nodeId: 4,
      state: 'running',
      fenced: false,
      inControlledShutdown: false,
      epoch: 12,
      rack: 'r2',
      endpoints: [{ listenerName: 'PLAINTEXT', host: 'b4', port: 9095 }],
    });
    expect(brokerState(broker(false, true)).state).toBe('shutting down');
    expect(brokerState(broker(true, true)).state).toBe('fenced');
    expect(brokerState(broker(true, false)).state).toBe('fenced');
    const { rack: _rack, ...withoutRack } = broker(false, false);
    expect(brokerState(withoutRack).rack).toBeNull();
  });
});
