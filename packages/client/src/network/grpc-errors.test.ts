import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { fromGrpcError } from './grpc-errors.js';

const grpcError = (code: status, details: string): ServiceError => Object.assign(new Error(details), { code, details, metadata: new Metadata() });

describe('fromGrpcError', () => {
  it('says a connection closed before HTTP/2 may be a TLS port, and keeps it retriable', () => {
    const error = fromGrpcError(grpcError(status.UNAVAILABLE, 'No connection established. Last error: Failed to connect (2026-12-07T23:31:11.639Z). Resolution note: '), '127.0.0.1:9092', 'Metadata');
    expect(error.code).toBe(ErrorCode.NETWORK_EXCEPTION);
    expect(error.message).toContain('its port may use TLS, which needs the ssl option');
  });

  it('adds no hint to other unavailability', () => {
    const error = fromGrpcError(grpcError(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:9092'), '127.0.0.1:9092', 'Metadata');
    expect(error.message).toBe('Metadata to 127.0.0.1:9092 failed: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:9092');
  });

  it('maps PERMISSION_DENIED to CLUSTER_AUTHORIZATION_FAILED', () => {
    expect(fromGrpcError(grpcError(status.PERMISSION_DENIED, 'CLUSTER_AUTHORIZATION_FAILED: User:alice may not call'), 'b:1', 'ReplicaFetch').code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });
});
