import { describe, expect, it } from 'vitest';
import { checkOptions, type OptionTable } from './check-options.js';

interface Options {
  timeoutMs?: number;
  timeout?: number;
  name?: string;
  legacy?: number;
  strict?: boolean;
}

const TABLE: OptionTable<Options> = {
  what: 'thing()',
  names: {
    timeoutMs: 'option',
    timeout: { alias: 'timeoutMs' },
    name: 'option',
    legacy: { ignored: 'it has no effect here' },
    strict: { ignored: 'checks are always strict', accepts: (value) => value === true },
  },
  refused: { tls: { reason: 'TLS is not supported yet', accepts: (value) => value === false } },
};

describe('checkOptions', () => {
  it("renames KafkaJS's names to the SDK's and drops ignored and undefined options", () => {
    expect(checkOptions(TABLE, { timeout: 5, name: 'x', legacy: 3, strict: true })).toEqual({ timeoutMs: 5, name: 'x' });
    expect(checkOptions(TABLE, { timeoutMs: 5, timeout: 5 })).toEqual({ timeoutMs: 5 });
    expect(checkOptions(TABLE, { timeoutMs: undefined, timeout: 7 } as unknown as Options)).toEqual({ timeoutMs: 7 });
    expect(checkOptions(TABLE, { tls: false, name: 'y' } as Options)).toEqual({ name: 'y' });
  });

  it('refuses an unknown name, naming it and the names it takes', () => {
    expect(() => checkOptions(TABLE, { timeOut: 5 } as Options)).toThrow(
      new TypeError("thing(): unknown option 'timeOut'; the options are timeoutMs, name; KafkaJS's timeout (= timeoutMs); and, without effect, legacy, strict"),
    );
  });

  it('refuses one option given under both its names with different values', () => {
    expect(() => checkOptions(TABLE, { timeoutMs: 5, timeout: 6 })).toThrow(
      new TypeError("thing(): 'timeoutMs' and 'timeout' name the same option and are given different values (5 and 6); give one"),
    );
  });

  it('refuses an option that is not supported, and an ignored one set to what it cannot do', () => {
    expect(() => checkOptions(TABLE, { tls: true } as Options)).toThrow(new TypeError("thing(): option 'tls' is not supported: TLS is not supported yet"));
    expect(() => checkOptions(TABLE, { strict: false })).toThrow(new TypeError("thing(): option 'strict' cannot be false: checks are always strict"));
    expect(() => checkOptions(TABLE, null as unknown as Options)).toThrow(TypeError);
  });
});
