import { describe, expect, it } from 'vitest';
import { scramClientKey, scramCredentialFromPassword, scramHash, scramHmac, scramSaltedPassword, type ScramCredential, type ScramMechanism } from '../scram.js';
import { invalidCredentialsMessage, type SaslStep } from './sasl-server.js';
import { createScramServer, unknownUserCredentials } from './scram-server.js';

// RFC 7677 section 3: user "user", password "pencil".
const RFC_SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const RFC_CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const RFC_SERVER_NONCE = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';

function server(mechanism: ScramMechanism, users: Record<string, ScramCredential>, serverNonce = 'SERVERNONCE') {
  return createScramServer({
    mechanism,
    credentialOf: (user, m) => (m === mechanism ? users[user] : undefined),
    unknownUserCredential: unknownUserCredentials(Buffer.alloc(32, 7)),
    serverNonce: () => serverNonce,
  });
}

function text(step: SaslStep): string {
  if (step.kind === 'failed') throw new Error(`failed: ${step.reason}`);
  return step.token.toString('utf8');
}

/** The client's side of the last step, from the server-first message. */
function clientFinal(mechanism: ScramMechanism, password: string, clientFirstBare: string, serverFirst: string, channelBinding = 'biws', noncePrefix = ''): string {
  const fields = new Map(serverFirst.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as const));
  const salted = scramSaltedPassword(mechanism, password, Buffer.from(fields.get('s')!, 'base64'), Number(fields.get('i')));
  const withoutProof = `c=${channelBinding},r=${noncePrefix}${fields.get('r')!}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const clientKey = scramClientKey(mechanism, salted);
  const signature = scramHmac(mechanism, scramHash(mechanism, clientKey), authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

const alice512 = scramCredentialFromPassword('SCRAM-SHA-512', 'alice-secret', { salt: Buffer.alloc(32, 1), iterations: 4096 });

describe('SCRAM server', () => {
  it('runs the RFC 7677 SCRAM-SHA-256 example to its server signature', () => {
    const scram = server('SCRAM-SHA-256', { user: scramCredentialFromPassword('SCRAM-SHA-256', 'pencil', { salt: RFC_SALT, iterations: 4096 }) }, RFC_SERVER_NONCE);
    expect(text(scram.step(Buffer.from(`n,,n=user,r=${RFC_CLIENT_NONCE}`)))).toBe(`r=${RFC_CLIENT_NONCE}${RFC_SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`);
    const last = scram.step(Buffer.from(`c=biws,r=${RFC_CLIENT_NONCE}${RFC_SERVER_NONCE},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`));
    expect(last).toEqual({ kind: 'authenticated', user: 'user', token: Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=') });
  });

  it('authenticates a good SCRAM-SHA-512 proof, with escaped names and the user as authzid', () => {
    const scram = server('SCRAM-SHA-512', { 'a,b=c': alice512 });
    const bare = 'n=a=2Cb=3Dc,r=clientnonce';
    const serverFirst = text(scram.step(Buffer.from(`n,a=a=2Cb=3Dc,${bare}`)));
    const final = clientFinal('SCRAM-SHA-512', 'alice-secret', bare, serverFirst, Buffer.from('n,a=a=2Cb=3Dc,').toString('base64'));
    const last = scram.step(Buffer.from(final));
    expect(last).toMatchObject({ kind: 'authenticated', user: 'a,b=c' });
    expect(text(last)).toMatch(/^v=/);
  });

  it('refuses a wrong password and an unknown user with the same answer', () => {
    const wrong = server('SCRAM-SHA-512', { alice: alice512 });
    const bare = 'n=alice,r=abc';
    const wrongStep = wrong.step(Buffer.from(clientFinal('SCRAM-SHA-512', 'guess', bare, text(wrong.step(Buffer.from(`n,,${bare}`))))));
    expect(wrongStep).toMatchObject({ kind: 'failed', user: 'alice', reason: expect.stringMatching(/wrong password/), clientMessage: invalidCredentialsMessage('SCRAM-SHA-512') });

    const first = (user: string) => text(server('SCRAM-SHA-512', { alice: alice512 }).step(Buffer.from(`n,,n=${user},r=abc`)));
    // The unknown user's salt is stable, so asking again does not give it away.
    expect(first('mallory')).toBe(first('mallory'));
    expect(first('mallory')).toMatch(/^r=abcSERVERNONCE,s=[A-Za-z0-9+/]{43}=,i=4096$/);
    const unknown = server('SCRAM-SHA-512', {});
    const unknownBare = 'n=mallory,r=abc';
    const unknownStep = unknown.step(Buffer.from(clientFinal('SCRAM-SHA-512', 'guess', unknownBare, text(unknown.step(Buffer.from(`n,,${unknownBare}`))))));
    expect(unknownStep).toMatchObject({ kind: 'failed', user: 'mallory', reason: 'unknown user', clientMessage: invalidCredentialsMessage('SCRAM-SHA-512') });
  });

  it('accepts the exchange nonce with the client nonce in front of it again, as librdkafka sends it and Kafka accepts', () => {
    const scram = server('SCRAM-SHA-512', { alice: alice512 });
    const bare = 'n=alice,r=abc';
    const serverFirst = text(scram.step(Buffer.from(`n,,${bare}`)));
    const final = clientFinal('SCRAM-SHA-512', 'alice-secret', bare, serverFirst, 'biws', 'abc');
    expect(scram.step(Buffer.from(final))).toMatchObject({ kind: 'authenticated', user: 'alice' });
  });

  it('refuses a client final message with another nonce or channel binding', () => {
    const bare = 'n=alice,r=abc';
    const badNonce = server('SCRAM-SHA-512', { alice: alice512 });
    const serverFirst = text(badNonce.step(Buffer.from(`n,,${bare}`)));
    const forged = clientFinal('SCRAM-SHA-512', 'alice-secret', bare, serverFirst.replace('r=abcSERVERNONCE', 'r=abcOTHER'));
    expect(badNonce.step(Buffer.from(forged))).toMatchObject({ kind: 'failed', clientMessage: 'Invalid SCRAM nonce' });

    const badBinding = server('SCRAM-SHA-512', { alice: alice512 });
    const first = text(badBinding.step(Buffer.from(`n,,${bare}`)));
    expect(badBinding.step(Buffer.from(clientFinal('SCRAM-SHA-512', 'alice-secret', bare, first, Buffer.from('y,,').toString('base64'))))).toMatchObject({ kind: 'failed', clientMessage: 'Invalid SCRAM channel binding' });
  });

  it('refuses channel binding, mandatory extensions, delegation tokens and malformed messages in the first message', () => {
    const first = (message: string) => server('SCRAM-SHA-512', { alice: alice512 }).step(Buffer.from(message));
    expect(first('p=tls-unique,,n=alice,r=abc')).toMatchObject({ kind: 'failed', clientMessage: expect.stringMatching(/channel binding/) });
    expect(first('y,,n=alice,r=abc')).toMatchObject({ kind: 'failed', clientMessage: expect.stringMatching(/channel binding/) });
    expect(first('n,,n=alice,r=abc,m=x')).toMatchObject({ kind: 'failed', clientMessage: expect.stringMatching(/mandatory extensions/) });
    expect(first('n,,n=alice,r=abc,tokenauth=true')).toMatchObject({ kind: 'failed', clientMessage: expect.stringMatching(/delegation token/) });
    expect(first('n,,n=al=ice,r=abc')).toMatchObject({ kind: 'failed', clientMessage: 'Invalid SCRAM user name' });
    expect(first('hello')).toMatchObject({ kind: 'failed', clientMessage: 'Invalid SCRAM client first message' });
  });

  it('refuses a token after the exchange ended', () => {
    const scram = server('SCRAM-SHA-512', { alice: alice512 });
    const bare = 'n=alice,r=abc';
    const final = clientFinal('SCRAM-SHA-512', 'alice-secret', bare, text(scram.step(Buffer.from(`n,,${bare}`))));
    expect(scram.step(Buffer.from(final)).kind).toBe('authenticated');
    expect(scram.step(Buffer.from(final)).kind).toBe('failed');
  });
});
