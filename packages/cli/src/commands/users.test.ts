import { ErrorCode, QuillError } from '@quill/client';
import { describe, expect, it } from 'vitest';
import { formatUsers, mechanismsToDelete, usersJson } from './users.js';

describe('quill users', () => {
  const described = [
    { user: 'alice', errorCode: ErrorCode.NONE, credentialInfos: [{ mechanism: 'SCRAM-SHA-256' as const, iterations: 4096 }, { mechanism: 'SCRAM-SHA-512' as const, iterations: 8192 }] },
    { user: 'bo', errorCode: ErrorCode.NONE, credentialInfos: [{ mechanism: 'SCRAM-SHA-512' as const, iterations: 4096 }] },
  ];

  it('lists users with their mechanisms and iterations', () => {
    expect(formatUsers(usersJson(described))).toBe('alice  SCRAM-SHA-256 (4096 iterations), SCRAM-SHA-512 (8192 iterations)\nbo     SCRAM-SHA-512 (4096 iterations)');
    expect(formatUsers({ users: [] })).toBe('No users with SCRAM credentials.');
  });

  it('deletes the named mechanism, or every mechanism the user has, and refuses a user without any', () => {
    expect(mechanismsToDelete('alice', described[0], 'SCRAM-SHA-512')).toEqual(['SCRAM-SHA-512']);
    expect(mechanismsToDelete('alice', described[0], undefined)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
    const missing = { user: 'zed', errorCode: ErrorCode.RESOURCE_NOT_FOUND, credentialInfos: [] };
    expect(() => mechanismsToDelete('zed', missing, undefined)).toThrow(QuillError);
    expect(() => mechanismsToDelete('zed', missing, undefined)).toThrow(expect.objectContaining({ code: ErrorCode.RESOURCE_NOT_FOUND }));
  });
});
