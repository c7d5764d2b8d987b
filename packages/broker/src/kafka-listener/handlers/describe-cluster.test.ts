import { ApiKeys, type DescribeClusterResponse } from '@quill/kafka-protocol';
import { QuillError } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { describeClusterHandler, kafkaControllerId } from './describe-cluster.js';

const endpoint = (listenerName: string, host: string, port: number) => ({ listenerName, host, port });

describe('DescribeCluster', () => {
  it('lists the brokers with a Kafka endpoint at it, and a live broker as controller', async () => {
    const { services, call } = adminServices(() => ({
      error: null,
      clusterId: 'c-1',
      controllerId: 9001,
      brokers: [
        { brokerId: 1, endpoints: [endpoint('PLAINTEXT', 'g1', 9001), endpoint('KAFKA', 'k1', 29001)], rack: 'r1' },
        { brokerId: 2, endpoints: [endpoint('PLAINTEXT', 'g2', 9002)] },
        { brokerId: 3, endpoints: [endpoint('KAFKA', 'k3', 29003)] },
      ],
    }));
    const body = (await describeClusterHandler(services).handle({ includeClusterAuthorizedOperations: false }, requestAt(ApiKeys.DescribeCluster, 1))) as DescribeClusterResponse;
    expect(call).toHaveBeenCalledWith('DescribeCluster', { includeFencedBrokers: false }, {});
    expect(body).toMatchObject({
      errorCode: 0,
      clusterId: 'c-1',
      controllerId: 1,
      throttleTimeMs: 0,
      brokers: [
        { brokerId: 1, host: 'k1', port: 29001, rack: 'r1' },
        { brokerId: 3, host: 'k3', port: 29003, rack: null },
      ],
    });
  });

  it('answers a failure with its Kafka error code', () => {
    const { services } = adminServices(() => ({}));
    const body = describeClusterHandler(services).errorResponse!(new QuillError('NOT_CONTROLLER', 'no controller'), { includeClusterAuthorizedOperations: false }, requestAt(ApiKeys.DescribeCluster, 0)) as DescribeClusterResponse;
    expect(body).toMatchObject({ errorCode: 41, errorMessage: 'no controller', brokers: [] });
  });

  it('keeps the active controller as controller id only when it is a live broker', () => {
    expect(kafkaControllerId(2, [3, 2])).toBe(2);
    expect(kafkaControllerId(9001, [3, 2])).toBe(2);
    expect(kafkaControllerId(9001, [])).toBe(-1);
  });
});
