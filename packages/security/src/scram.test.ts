import { describe, expect, it } from 'vitest';
import {
  SCRAM_SALT_BYTES,
  scramClientKey,
  scramCredentialFromPassword,
  scramCredentialFromSaltedPassword,
  scramHash,
  scramHmac,
  scramSaltedPassword,
} from './scram.js';

// RFC 7677 section 3: user "user", password "pencil", SCRAM-SHA-256.
const RFC7677 = {
  password: 'pencil',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  iterations: 4096,
  authMessage:
    'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  clientProof: Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64'),
  serverSignature: Buffer.from('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', 'base64'),
};

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((byte, i) => byte ^ b[i]!));
}

describe('SCRAM credentials', () => {
  it('reproduces RFC 7677: the server verifies its client proof and signs as the example does', () => {
    const credential = scramCredentialFromPassword('SCRAM-SHA-256', RFC7677.password, { salt: RFC7677.salt, iterations: RFC7677.iterations });
    const clientSignature = scramHmac('SCRAM-SHA-256', credential.storedKey, RFC7677.authMessage);
    const clientKey = xor(RFC7677.clientProof, clientSignature);
    expect(scramHash('SCRAM-SHA-256', clientKey).equals(credential.storedKey)).toBe(true);
    expect(scramHmac('SCRAM-SHA-256', credential.serverKey, RFC7677.authMessage).equals(RFC7677.serverSignature)).toBe(true);
    expect(credential.iterations).toBe(4096);
    expect(credential.salt.equals(RFC7677.salt)).toBe(true);
  });

  it('builds the same credential from the salted password a client sends', () => {
    const salted = scramSaltedPassword('SCRAM-SHA-512', 'secret', RFC7677.salt, 4096);
    expect(salted).toHaveLength(64);
    const fromSalted = scramCredentialFromSaltedPassword('SCRAM-SHA-512', RFC7677.salt, salted, 4096);
    const fromPassword = scramCredentialFromPassword('SCRAM-SHA-512', 'secret', { salt: RFC7677.salt, iterations: 4096 });
    expect(fromSalted).toEqual(fromPassword);
    expect(fromSalted.storedKey.equals(scramHash('SCRAM-SHA-512', scramClientKey('SCRAM-SHA-512', salted)))).toBe(true);
  });

  it('draws a fresh random salt when none is given, and keys differ with it', () => {
    const a = scramCredentialFromPassword('SCRAM-SHA-256', 'secret');
    const b = scramCredentialFromPassword('SCRAM-SHA-256', 'secret');
    expect(a.salt).toHaveLength(SCRAM_SALT_BYTES);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.storedKey.equals(b.storedKey)).toBe(false);
  });
});
