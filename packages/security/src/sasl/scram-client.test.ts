import { describe, expect, it } from 'vitest';
import { SCRAM_MECHANISMS, scramCredentialFromPassword } from '../scram.js';
import { createPlainServer } from './plain-server.js';
import { createScramClient, plainMessage } from './scram-client.js';
import { createScramServer, unknownUserCredentials } from './scram-server.js';

describe('SCRAM client', () => {
  for (const mechanism of SCRAM_MECHANISMS) {
    const credential = scramCredentialFromPassword(mechanism, 'p=ss,word', { salt: Buffer.alloc(32, 2) });
    const serverFor = () => createScramServer({ mechanism, credentialOf: (user) => (user === 'a,b=c' ? credential : undefined), unknownUserCredential: unknownUserCredentials(Buffer.alloc(32, 5)) });

    it(`authenticates against the ${mechanism} server and checks its signature`, () => {
      const server = serverFor();
      const client = createScramClient({ mechanism, user: 'a,b=c', password: 'p=ss,word' });
      const serverFirst = server.step(client.first());
      expect(serverFirst.kind).toBe('challenge');
      const serverFinal = server.step(client.final(serverFirst.kind === 'challenge' ? serverFirst.token : Buffer.alloc(0)));
      expect(serverFinal).toMatchObject({ kind: 'authenticated', user: 'a,b=c' });
      expect(() => client.verify(serverFinal.kind === 'authenticated' ? serverFinal.token : Buffer.alloc(0))).not.toThrow();
    });

    it(`refuses a ${mechanism} server that does not know the password`, () => {
      const client = createScramClient({ mechanism, user: 'a,b=c', password: 'p=ss,word', clientNonce: 'abc' });
      client.final(Buffer.from('r=abcdef,s=AAAA,i=4096'));
      expect(() => client.verify(Buffer.from('v=AAAA'))).toThrow(/server signature/);
      expect(() => createScramClient({ mechanism, user: 'u', password: 'p', clientNonce: 'abc' }).final(Buffer.from('r=xyz,s=AAAA,i=4096'))).toThrow(/nonce/);
    });

    it(`fails a malformed ${mechanism} server-first with SASL_AUTHENTICATION_FAILED, not retriable`, () => {
      const final = (serverFirst: string) => () => createScramClient({ mechanism, user: 'u', password: 'p', clientNonce: 'abc' }).final(Buffer.from(serverFirst));
      for (const serverFirst of ['garbage', 'r=abcdef,s=,i=4096', 'r=abcdef,s=AAAA,i=nope']) {
        expect(final(serverFirst), serverFirst).toThrow(expect.objectContaining({ code: 'SASL_AUTHENTICATION_FAILED', retriable: false }));
      }
    });
  }

  it('PLAIN: the message the PLAIN server reads', () => {
    const credential = scramCredentialFromPassword('SCRAM-SHA-512', 'secret', { salt: Buffer.alloc(32, 2) });
    const server = createPlainServer({ credentialOf: (user, m) => (user === 'bob' && m === 'SCRAM-SHA-512' ? credential : undefined), unknownUserCredential: unknownUserCredentials(Buffer.alloc(32, 5)) });
    expect(server.step(plainMessage('bob', 'secret'))).toMatchObject({ kind: 'authenticated', user: 'bob' });
  });
});
