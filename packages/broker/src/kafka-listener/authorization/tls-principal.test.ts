import { describe, expect, it } from 'vitest';
import { principalOfCertificate } from './tls-principal.js';

describe('principalOfCertificate', () => {
  it("is User:<subject CN>, or undefined without a certificate or a CN", () => {
    expect(principalOfCertificate({ subject: { CN: 'alice', O: 'quill' } as never })).toBe('User:alice');
    expect(principalOfCertificate({ subject: { CN: ['bob', 'other'] } as never })).toBe('User:bob');
    expect(principalOfCertificate({ subject: { O: 'quill' } as never })).toBeUndefined();
    expect(principalOfCertificate(undefined)).toBeUndefined();
  });
});
