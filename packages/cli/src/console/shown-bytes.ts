/** How the console shows a key, value or header: its size, and text, pretty JSON or hex of at most a limit. */
export interface ShownBytes {
  /** The full size in bytes, also when `text` is cut. */
  size: number;
  encoding: 'null' | 'text' | 'json' | 'hex';
  text: string;
  /** True when `text` shows only the first `limit` bytes. */
  truncated: boolean;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Control characters other than tab, newline and carriage return mark bytes as binary. */
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Valid UTF-8 without control characters is text, pretty-printed when it parses as a JSON object
 * or array; anything else is hex. Only the first `limit` bytes are looked at, so a huge value
 * costs no more than a small one (a UTF-8 sequence cut at the limit is dropped, not called binary).
 */
export function showBytes(bytes: Uint8Array | null, limit: number): ShownBytes {
  if (bytes === null) return { size: 0, encoding: 'null', text: '', truncated: false };
  const truncated = bytes.length > limit;
  const head = truncated ? bytes.subarray(0, limit) : bytes;
  const text = decodeText(head, truncated);
  if (text === undefined) return { size: bytes.length, encoding: 'hex', text: toHex(head), truncated };
  if (!truncated && /^\s*[[{]/.test(text)) {
    try {
      return { size: bytes.length, encoding: 'json', text: JSON.stringify(JSON.parse(text), null, 2), truncated };
    } catch {
      // Not JSON after all: shown as the text it is.
    }
  }
  return { size: bytes.length, encoding: 'text', text, truncated };
}

function decodeText(bytes: Uint8Array, truncated: boolean): string | undefined {
  // A cut can split one UTF-8 sequence (at most 3 bytes of it): try dropping those.
  const maxDropped = truncated ? Math.min(3, bytes.length) : 0;
  for (let dropped = 0; dropped <= maxDropped; dropped++) {
    try {
      const text = UTF8.decode(bytes.subarray(0, bytes.length - dropped));
      return BINARY_CONTROL.test(text) ? undefined : text;
    } catch {
      // Invalid here; maybe valid without the last bytes.
    }
  }
  return undefined;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
