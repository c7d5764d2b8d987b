import { describe, expect, it } from 'vitest';
import { principalFromCertificate } from './certificate-principal.js';

describe('principalFromCertificate', () => {
  it('is User:<CN> of the subject', () => {
    expect(principalFromCertificate({ subject: { CN: 'broker-4', O: 'quill', C: '', ST: '', L: '', OU: '' } })).toBe('User:broker-4');
  });

  it('takes the first CN of a subject with several', () => {
    expect(principalFromCertificate({ subject: { CN: ['a', 'b'] } as never })).toBe('User:a');
  });

  it('is undefined without a certificate or a CN', () => {
    expect(principalFromCertificate(undefined)).toBeUndefined();
    expect(principalFromCertificate({ subject: {} as never })).toBeUndefined();
    expect(principalFromCertificate({ subject: { CN: '' } as never })).toBeUndefined();
  });
});
