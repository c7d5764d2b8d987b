// The SCRAM messages a server reads (RFC 5802 section 7), as Kafka's ScramMessages accepts them:
// no channel binding ("n" only), an optional authzid, extensions after the nonce.

/** client-first-message, parsed. */
export interface ClientFirstMessage {
  /** "n,," or "n,a=<authzid>,": the client-final message echoes it base64-encoded in c=. */
  gs2Header: string;
  authzid: string | undefined;
  user: string;
  nonce: string;
  /** client-first-message-bare, the first part of the AuthMessage. */
  bare: string;
  extensions: ReadonlyMap<string, string>;
}

/** client-final-message, parsed. */
export interface ClientFinalMessage {
  channelBinding: Buffer;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof, the last part of the AuthMessage. */
  withoutProof: string;
}

/** A message that does not parse; its text is safe to show the client. */
export class ScramFormatError extends Error {}

const CLIENT_FIRST = /^([^,]*),(?:a=([^,]*))?,(n=([^,]*),r=([\x21-\x2b\x2d-\x7e]+)((?:,[A-Za-z]+=[^,]*)*))$/;
const CLIENT_FINAL = /^(c=([A-Za-z0-9+/]*={0,2}),r=([\x21-\x2b\x2d-\x7e]+)(?:,[A-Za-z]+=[^,]*)*),p=([A-Za-z0-9+/]+={0,2})$/;
const SASL_NAME = /^(?:[^=,]|=2C|=3D)+$/;

export function parseClientFirst(text: string): ClientFirstMessage {
  const m = CLIENT_FIRST.exec(text);
  if (m === null) throw new ScramFormatError('Invalid SCRAM client first message');
  const [, cbindFlag, authzid, bare, saslName, nonce, extensionText] = m as unknown as [string, string, string | undefined, string, string, string, string];
  if (cbindFlag !== 'n') throw new ScramFormatError('SCRAM channel binding is not supported: the gs2 header must start with "n"');
  const extensions = new Map<string, string>();
  for (const part of extensionText.split(',').slice(1)) {
    const at = part.indexOf('=');
    extensions.set(part.slice(0, at), part.slice(at + 1));
  }
  if (extensions.has('m')) throw new ScramFormatError('SCRAM mandatory extensions are not supported');
  return {
    gs2Header: `n,${authzid === undefined ? '' : `a=${authzid}`},`,
    authzid: authzid === undefined ? undefined : decodeSaslName(authzid),
    user: decodeSaslName(saslName),
    nonce,
    bare,
    extensions,
  };
}

export function parseClientFinal(text: string): ClientFinalMessage {
  const m = CLIENT_FINAL.exec(text);
  if (m === null) throw new ScramFormatError('Invalid SCRAM client final message');
  const [, withoutProof, channelBinding, nonce, proof] = m as unknown as [string, string, string, string, string];
  return { channelBinding: Buffer.from(channelBinding, 'base64'), nonce, proof: Buffer.from(proof, 'base64'), withoutProof };
}

/** server-first-message. */
export function formatServerFirst(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}

/** server-final-message of a verified proof. */
export function formatServerFinal(serverSignature: Buffer): string {
  return `v=${serverSignature.toString('base64')}`;
}

/** A saslname with its "=2C" and "=3D" escapes undone. */
function decodeSaslName(name: string): string {
  if (!SASL_NAME.test(name)) throw new ScramFormatError('Invalid SCRAM user name');
  return name.replace(/=2C|=3D/g, (escape) => (escape === '=2C' ? ',' : '='));
}
