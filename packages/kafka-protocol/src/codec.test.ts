import { describe, expect, it } from 'vitest';
import {
  API_VERSIONS_TABLE,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  readRequestHeader,
} from './codec.js';
import { KafkaProtocolError } from './errors.js';
import { ApiKeys } from './gen/index.js';
import type { MetadataResponse } from './gen/index.js';

/** Hex with spaces and `|` separators for reading; both are ignored. */
function hex(text: string): string {
  return text.replace(/[\s|]+/g, '');
}

function thrownCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (e instanceof KafkaProtocolError) return e.code;
    throw e;
  }
  return undefined;
}

describe('request header', () => {
  it('reads header v1 for a non-flexible version and v2 (tagged fields) for a flexible one', () => {
    const v1 = Buffer.from(hex('0003 0001 0000002a | 0003 616263 | ffffffff'), 'hex');
    expect(readRequestHeader(v1)).toEqual({ apiKey: 3, apiVersion: 1, correlationId: 42, clientId: 'abc', bodyOffset: 13 });
    const v2 = Buffer.from(hex('0012 0003 00000007 | ffff | 00 | 00 00 00'), 'hex');
    expect(readRequestHeader(v2)).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 7, clientId: null, bodyOffset: 11 });
  });

  it('reads an unknown API key or version as header v1, enough to answer with the correlation id', () => {
    const unknownKey = Buffer.from(hex('03e7 0000 00000009 0000 | 01 02'), 'hex');
    expect(readRequestHeader(unknownKey)).toMatchObject({ apiKey: 999, correlationId: 9, clientId: '', bodyOffset: 10 });
    const futureApiVersions = Buffer.from(hex('0012 0063 00000005 0000 | 00'), 'hex');
    expect(readRequestHeader(futureApiVersions)).toMatchObject({ apiVersion: 99, correlationId: 5, bodyOffset: 10 });
  });

  it('refuses a truncated header with CORRUPT_MESSAGE', () => {
    expect(thrownCode(() => readRequestHeader(Buffer.from('00030001000000', 'hex')))).toBe('CORRUPT_MESSAGE');
    expect(thrownCode(() => readRequestHeader(Buffer.from('000300010000002a0005616263', 'hex')))).toBe('CORRUPT_MESSAGE');
  });

  it('answers an unsupported version with UNSUPPORTED_VERSION', () => {
    expect(thrownCode(() => decodeRequest(ApiKeys.ApiVersions, 4, Buffer.alloc(0), 0))).toBe('UNSUPPORTED_VERSION');
    expect(thrownCode(() => encodeResponse(ApiKeys.Fetch, 3, 1, {}))).toBe('UNSUPPORTED_VERSION');
  });
});

describe('ApiVersions', () => {
  const apiKeys = [{ apiKey: 18, minVersion: 0, maxVersion: 3 }];

  it('v0 response: header v0, int32 array length', () => {
    const frame = encodeResponse(ApiKeys.ApiVersions, 0, 7, { errorCode: 0, apiKeys });
    expect(frame.toString('hex')).toBe(hex('00000010 | 00000007 | 0000 | 00000001 | 0012 0000 0003'));
  });

  it('v3 request: header v2, compact strings, tagged fields', () => {
    const frame = Buffer.from(hex('0012 0003 0000002a | 0003 6b6a73 | 00 | 04 6b6a73 | 04 322e32 | 00'), 'hex');
    const header = readRequestHeader(frame);
    expect(header).toMatchObject({ apiKey: 18, apiVersion: 3, correlationId: 42, clientId: 'kjs' });
    expect(decodeRequest(18, 3, frame, header.bodyOffset)).toEqual({
      clientSoftwareName: 'kjs',
      clientSoftwareVersion: '2.2',
    });
  });

  it('v3 response: still header v0, compact array, throttle, a tagged field only when not default', () => {
    const plain = encodeResponse(ApiKeys.ApiVersions, 3, 7, { errorCode: 0, apiKeys, throttleTimeMs: 0 });
    expect(plain.toString('hex')).toBe(hex('00000013 | 00000007 | 0000 | 02 | 0012 0000 0003 00 | 00000000 | 00'));
    const withFeature = encodeResponse(ApiKeys.ApiVersions, 3, 7, {
      errorCode: 0,
      apiKeys,
      throttleTimeMs: 0,
      supportedFeatures: [{ name: 'x', minVersion: 0, maxVersion: 1 }],
      finalizedFeaturesEpoch: -1n,
    });
    expect(withFeature.toString('hex')).toBe(
      hex('0000001d | 00000007 | 0000 | 02 | 0012 0000 0003 00 | 00000000 | 01 | 00 08 | 02 02 78 0000 0001 00'),
    );
  });
});

describe('Metadata', () => {
  const ONE_TOPIC_ID = '00112233-4455-6677-8899-aabbccddeeff';

  it('v1 request: int32 array of int16 strings; null asks for all topics', () => {
    const frame = encodeRequest(ApiKeys.Metadata, 1, 1, 'c', { topics: [{ name: 't' }] });
    expect(frame.toString('hex')).toBe(hex('00000012 | 0003 0001 00000001 0001 63 | 00000001 0001 74'));
    const all = encodeRequest(ApiKeys.Metadata, 1, 1, 'c', { topics: null });
    expect(all.toString('hex').slice(-8)).toBe('ffffffff');
  });

  it('v1 response: rack and controller id, no cluster id or throttle', () => {
    const body: MetadataResponse = {
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }],
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 't',
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }],
        },
      ],
    };
    const frame = encodeResponse(ApiKeys.Metadata, 1, 3, body);
    const expected = hex(`00000003
      | 00000001 | 00000001 0001 68 00002384 ffff
      | 00000001
      | 00000001 | 0000 0001 74 00 | 00000001 | 0000 00000000 00000001 00000001 00000001 00000001 00000001`);
    expect(frame.subarray(4).toString('hex')).toBe(expected);
    expect(frame.readInt32BE(0)).toBe(expected.length / 2);
    expect(decodeResponse(ApiKeys.Metadata, 1, frame.subarray(4)).body).toEqual(body);
  });

  it('v12 request: header v2, compact arrays, topic ids, nullable compact names', () => {
    const frame = encodeRequest(ApiKeys.Metadata, 12, 1, null, {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 't' }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
    const expected = hex(`0003 000c 00000001 ffff 00
      | 02 | 00000000000000000000000000000000 02 74 00
      | 01 | 00 | 00`);
    expect(frame.subarray(4).toString('hex')).toBe(expected);
  });

  it('v12 response: header v1, compact everything, tagged-field sections on every struct', () => {
    const body: MetadataResponse = {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }],
      clusterId: 'c',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 't',
          topicId: ONE_TOPIC_ID,
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 5,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [],
            },
          ],
          topicAuthorizedOperations: -2147483648,
        },
      ],
    };
    const frame = encodeResponse(ApiKeys.Metadata, 12, 3, body);
    const expected = hex(`00000003 00
      | 00000000
      | 02 | 00000001 02 68 00002384 00 00
      | 02 63
      | 00000001
      | 02 | 0000 02 74 00112233445566778899aabbccddeeff 00
      |   02 | 0000 00000000 00000001 00000005 02 00000001 02 00000001 01 00
      |   80000000 00
      | 00`);
    expect(frame.subarray(4).toString('hex')).toBe(expected);
    expect(decodeResponse(ApiKeys.Metadata, 12, frame.subarray(4)).body).toEqual(body);
  });
});

describe('API_VERSIONS_TABLE', () => {
  it('covers what the three clients need', () => {
    const range = (name: string) => API_VERSIONS_TABLE.find((r) => r.name === name);
    for (const name of ['ApiVersions', 'FindCoordinator', 'InitProducerId', 'JoinGroup', 'Produce']) {
      expect(range(name)?.minVersion, name).toBe(0);
    }
    expect(range('Produce')).toMatchObject({ maxVersion: 9, flexibleFrom: 9 });
    expect(range('Fetch')).toMatchObject({ minVersion: 4, maxVersion: 13, flexibleFrom: 12 });
    expect(range('Metadata')).toMatchObject({ maxVersion: 12, flexibleFrom: 9 });
    expect(range('ApiVersions')).toMatchObject({ apiKey: 18, maxVersion: 3, flexibleFrom: 3 });
    expect(range('SaslHandshake')).toMatchObject({ apiKey: 17, minVersion: 0, maxVersion: 1 });
    expect(range('SaslAuthenticate')).toMatchObject({ apiKey: 36, minVersion: 0, maxVersion: 2, flexibleFrom: 2 });
    for (const name of ['CreateAcls', 'DescribeAcls', 'DeleteAcls']) expect(range(name), name).toMatchObject({ minVersion: 1, maxVersion: 3, flexibleFrom: 2 });
    expect(API_VERSIONS_TABLE).toHaveLength(32);
  });
});
