import { describe, expect, it } from 'vitest';
import { parseSaslMechanisms } from './sasl-mechanisms.js';

describe('parseSaslMechanisms', () => {
  it('reads a comma-separated list in any case, once each', () => {
    expect(parseSaslMechanisms('scram-sha-512, PLAIN,SCRAM-SHA-512')).toEqual(['SCRAM-SHA-512', 'PLAIN']);
  });

  it('refuses unknown and empty lists', () => {
    expect(() => parseSaslMechanisms('GSSAPI')).toThrow(/GSSAPI is not one of/);
    expect(() => parseSaslMechanisms(' , ')).toThrow(/names no mechanism/);
  });
});
