import { QuillError } from '@quill/proto';

export interface HostPort {
  host: string;
  port: number;
}

/** "host:port" -> HostPort, with a clear error for anything else. */
export function parseHostPort(text: string, what: string): HostPort {
  const at = text.lastIndexOf(':');
  const host = text.slice(0, at);
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new QuillError('INVALID_CONFIG', `${what} must be host:port, got '${text}'.`);
  }
  return { host, port };
}

/** "1@host:port,2@host:port" -> id -> address (Kafka's controller.quorum.voters format). */
export function parseVoters(text: string): Map<number, HostPort> {
  const voters = new Map<number, HostPort>();
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const at = part.indexOf('@');
    const id = Number(part.slice(0, at));
    if (at <= 0 || !Number.isInteger(id) || id <= 0) {
      throw new QuillError('INVALID_CONFIG', `Each voter must be id@host:port with a positive id, got '${part}'.`);
    }
    if (voters.has(id)) throw new QuillError('INVALID_CONFIG', `Voter ${id} is listed twice.`);
    voters.set(id, parseHostPort(part.slice(at + 1), `Voter ${id}`));
  }
  if (voters.size === 0) throw new QuillError('INVALID_CONFIG', 'At least one voter is needed (--voters 1@host:port,...).');
  return voters;
}

/** "host:port,host:port" -> ["host:port", ...], each checked. */
export function parseAddressList(text: string, what: string): string[] {
  const addresses = text.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (addresses.length === 0) throw new QuillError('INVALID_CONFIG', `${what} needs at least one host:port.`);
  for (const address of addresses) parseHostPort(address, what);
  return addresses;
}
