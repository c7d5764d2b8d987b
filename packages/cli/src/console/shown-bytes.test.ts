import { describe, expect, it } from 'vitest';
import { showBytes } from './shown-bytes.js';

describe('showBytes', () => {
  it('shows text as text, a JSON object pretty, null as null', () => {
    expect(showBytes(Buffer.from('<script>alert(1)</script>'), 100)).toEqual({ size: 25, encoding: 'text', text: '<script>alert(1)</script>', truncated: false });
    expect(showBytes(Buffer.from('{"a":[1,2]}'), 100)).toEqual({ size: 11, encoding: 'json', text: '{\n  "a": [\n    1,\n    2\n  ]\n}', truncated: false });
    expect(showBytes(Buffer.from('{not json'), 100).encoding).toBe('text');
    expect(showBytes(null, 100)).toEqual({ size: 0, encoding: 'null', text: '', truncated: false });
  });

  it('shows binary bytes (invalid UTF-8 or control characters) as hex', () => {
    expect(showBytes(Buffer.from([0x00, 0xff, 0x10, 0xab]), 100)).toEqual({ size: 4, encoding: 'hex', text: '00 ff 10 ab', truncated: false });
    expect(showBytes(Buffer.from('a\u0001b'), 100).encoding).toBe('hex');
  });

  it('keeps only the first limit bytes of a large value, with its full size', () => {
    const shown = showBytes(Buffer.alloc(1_000_000, 'x'), 10);
    expect(shown).toEqual({ size: 1_000_000, encoding: 'text', text: 'xxxxxxxxxx', truncated: true });
    // A two-byte character cut in half at the limit is still text.
    expect(showBytes(Buffer.from('aé'), 2)).toEqual({ size: 3, encoding: 'text', text: 'a', truncated: true });
    expect(showBytes(Buffer.from([1, 2, 3, 4]), 2)).toEqual({ size: 4, encoding: 'hex', text: '01 02', truncated: true });
  });
});
