import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ERROR_TABLE,
  ErrorCode,
  PROTO_DIR,
  QuillError,
  asQuillError,
  describeError,
  errorFromResponse,
  errorInfo,
  errorMessage,
  isRetriable,
  loadQuillPackage,
  toWireError,
} from './index.js';

interface ParsedCode {
  name: string;
  code: number;
  retriable: boolean;
  message: string;
}
type Codegen = { parseErrorCodes(source: string, fileName?: string): ParsedCode[] };

const codegenUrl = pathToFileURL(fileURLToPath(new URL('../../../scripts/codegen.mjs', import.meta.url))).href;
const loadCodegen = async (): Promise<Codegen> => (await import(codegenUrl)) as Codegen;
const errorsProto = readFileSync(join(PROTO_DIR, 'quill', 'v1', 'errors.proto'), 'utf8');

describe('generated error table', () => {
  it('matches the ErrorCode enum loaded from errors.proto', () => {
    const enumType = loadQuillPackage().quill.v1.ErrorCode.type as { value: { name: string; number: number }[] };
    const fromProto = enumType.value.map((v) => [v.name, v.number]);
    expect(ERROR_TABLE.map((e) => [e.name, e.code])).toEqual(fromProto);
    expect(Object.keys(ErrorCode)).toEqual(fromProto.map(([n]) => n));
    for (const e of ERROR_TABLE) {
      expect(typeof e.retriable).toBe('boolean');
      expect(e.message.length).toBeGreaterThan(0);
      expect(ErrorCode[e.name]).toBe(e.name);
    }
  });

  it('is up to date with errors.proto (codegen output equals a fresh parse)', async () => {
    const { parseErrorCodes } = await loadCodegen();
    expect(parseErrorCodes(errorsProto)).toEqual(ERROR_TABLE.map((e) => ({ ...e })));
  });

  it('annotates every value of errors.proto with a retriable line', () => {
    const body = errorsProto.slice(errorsProto.indexOf('enum ErrorCode {'));
    const lines = body.split('\n');
    const values = lines.flatMap((l, i) => (/^\s+[A-Z][A-Z0-9_]* = \d+;/.test(l) ? [i] : []));
    expect(values.length).toBe(ERROR_TABLE.length);
    for (const i of values) {
      let j = i - 1;
      while (j > 0 && /^\s*\/\/(?! retriable:)/.test(lines[j] ?? '')) j--;
      expect(lines[j], `comment above: ${lines[i]}`).toMatch(/^\s*\/\/ retriable: (yes|no)$/);
    }
  });

  it('uses Kafka retriable classification for the codes clients act on', () => {
    for (const c of [
      'NOT_LEADER_OR_FOLLOWER',
      'LEADER_NOT_AVAILABLE',
      'FENCED_LEADER_EPOCH',
      'NOT_ENOUGH_REPLICAS',
      'NOT_CONTROLLER',
      'REQUEST_TIMED_OUT',
      'COORDINATOR_LOAD_IN_PROGRESS',
      'NOT_COORDINATOR',
      'KAFKA_STORAGE_ERROR',
      'CORRUPT_MESSAGE',
    ] as const) {
      expect(isRetriable(c), c).toBe(true);
    }
    for (const c of [
      'NONE',
      'UNKNOWN_SERVER_ERROR',
      'OFFSET_OUT_OF_RANGE',
      'MESSAGE_TOO_LARGE',
      'STALE_BROKER_EPOCH',
      'INCONSISTENT_CLUSTER_ID',
      'TOPIC_ALREADY_EXISTS',
      'INVALID_UPDATE_VERSION',
      'REBALANCE_IN_PROGRESS',
      'PRODUCER_FENCED',
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    ] as const) {
      expect(isRetriable(c), c).toBe(false);
    }
  });

  describe('codegen parser fails loudly', () => {
    const wrap = (body: string) => `syntax = "proto3";\nenum ErrorCode {\n  // retriable: no\n  // Success.\n  NONE = 0;\n${body}}\n`;

    it('on a value without an annotation', async () => {
      const { parseErrorCodes } = await loadCodegen();
      expect(() => parseErrorCodes(wrap('  // Something broke.\n  BROKEN = 1;\n'), 'x.proto')).toThrow(
        /x\.proto:7: ErrorCode\.BROKEN needs a doc comment whose first line is "\/\/ retriable: yes"/,
      );
      expect(() => parseErrorCodes(wrap('  BARE = 1;\n'), 'x.proto')).toThrow(/BARE needs a doc comment/);
    });

    it('on a malformed flag, a missing message, a detached comment or duplicates', async () => {
      const { parseErrorCodes } = await loadCodegen();
      expect(() => parseErrorCodes(wrap('  // retriable: maybe\n  // M.\n  A = 1;\n'))).toThrow(/A needs a doc comment/);
      expect(() => parseErrorCodes(wrap('  // retriable: yes\n  A = 1;\n'))).toThrow(/A has no message/);
      expect(() => parseErrorCodes(wrap('  // retriable: yes\n  // M.\n\n  A = 1;\n'))).toThrow(/A needs a doc comment/);
      expect(() => parseErrorCodes(wrap('  // retriable: yes\n  // M.\n  A = 0;\n'))).toThrow(/duplicate ErrorCode number 0/);
      expect(() => parseErrorCodes('enum Other {}\n')).toThrow(/no "enum ErrorCode/);
    });

    it('and parses multi-line messages', async () => {
      const { parseErrorCodes } = await loadCodegen();
      const parsed = parseErrorCodes(wrap('  // retriable: yes\n  // First line,\n  // second line.\n  A = 1;\n'));
      expect(parsed[1]).toEqual({ name: 'A', code: 1, retriable: true, message: 'First line, second line.' });
    });
  });
});

describe('errorInfo', () => {
  it('looks codes up by name and by number', () => {
    expect(errorInfo('NOT_CONTROLLER')).toEqual(errorInfo(errorInfo('NOT_CONTROLLER').code));
    expect(errorInfo(0).name).toBe('NONE');
  });

  it('maps unknown codes to a non-retriable UNKNOWN_SERVER_ERROR', () => {
    expect(errorInfo(9999)).toMatchObject({ code: 9999, name: 'UNKNOWN_SERVER_ERROR', retriable: false });
    expect(errorInfo('NO_SUCH_CODE')).toMatchObject({ name: 'UNKNOWN_SERVER_ERROR', retriable: false });
  });
});

describe('QuillError', () => {
  it('round-trips through the wire shape and protobuf encoding', () => {
    const err = new QuillError(ErrorCode.NOT_CONTROLLER, 'controller 2 leads');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('QuillError');
    expect(err.retriable).toBe(true);
    const wire = err.toWire();
    expect(wire).toEqual({ code: 'NOT_CONTROLLER', message: 'controller 2 leads' });

    const WireError = loadQuillPackage().quill.v1.Error;
    const decoded = WireError.deserialize(WireError.serialize(wire));
    const back = QuillError.fromWire(decoded);
    expect(back.code).toBe(err.code);
    expect(back.message).toBe(err.message);
    expect(back.retriable).toBe(err.retriable);
    expect(QuillError.is(back, 'NOT_CONTROLLER')).toBe(true);
  });

  it('defaults the message from the table and keeps a cause', () => {
    const cause = new Error('disk on fire');
    const err = new QuillError('KAFKA_STORAGE_ERROR', undefined, { cause });
    expect(err.message).toBe(errorInfo('KAFKA_STORAGE_ERROR').message);
    expect(err.cause).toBe(cause);
    expect('cause' in new QuillError('NONE')).toBe(false);
    expect(QuillError.fromWire({ code: 'OFFSET_OUT_OF_RANGE', message: '' }).message).toBe(
      errorInfo('OFFSET_OUT_OF_RANGE').message,
    );
  });

  it('treats a numeric wire code like its name', () => {
    expect(QuillError.fromWire({ code: errorInfo('PRODUCER_FENCED').code, message: 'x' }).code).toBe('PRODUCER_FENCED');
  });

  it('errorFromResponse ignores absent and NONE errors', () => {
    expect(errorFromResponse(null)).toBeUndefined();
    expect(errorFromResponse(undefined)).toBeUndefined();
    expect(errorFromResponse({ code: 'NONE', message: '' })).toBeUndefined();
    expect(errorFromResponse({ code: 'NOT_COORDINATOR', message: 'm' })?.code).toBe('NOT_COORDINATOR');
  });
});

describe('anything thrown as a QuillError', () => {
  it('keeps a QuillError as it is', () => {
    const err = new QuillError('NOT_LEADER_OR_FOLLOWER', 'moved');
    expect(asQuillError(err)).toBe(err);
    expect(asQuillError(err, 'INVALID_REQUEST')).toBe(err);
    expect(toWireError(err)).toEqual({ code: 'NOT_LEADER_OR_FOLLOWER', message: 'moved' });
  });

  it('wraps any other Error with its message and the original as cause', () => {
    const cause = new TypeError('bad input');
    const err = asQuillError(cause);
    expect(err).toBeInstanceOf(QuillError);
    expect(err.code).toBe('UNKNOWN_SERVER_ERROR');
    expect(err.retriable).toBe(false);
    expect(err.message).toBe('bad input');
    expect(err.cause).toBe(cause);
    expect(toWireError(cause)).toEqual({ code: 'UNKNOWN_SERVER_ERROR', message: 'bad input' });
  });

  it('wraps thrown non-Errors with their string form, under the fallback code when given', () => {
    const err = asQuillError('socket closed', 'NETWORK_EXCEPTION');
    expect(err.code).toBe('NETWORK_EXCEPTION');
    expect(err.retriable).toBe(true);
    expect(err.message).toBe('socket closed');
    expect(err.cause).toBe('socket closed');
    expect(toWireError(42)).toEqual({ code: 'UNKNOWN_SERVER_ERROR', message: '42' });
  });

  it('errorMessage reads an Error\'s message, else the string form', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage(new QuillError('REQUEST_TIMED_OUT', 'slow'))).toBe('slow');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage({ toString: () => 'custom' })).toBe('custom');
  });

  it('describeError puts a QuillError\'s code before its message', () => {
    expect(describeError(new QuillError('NOT_CONTROLLER', 'ask node 2'))).toBe('NOT_CONTROLLER: ask node 2');
    expect(describeError(new RangeError('bad port'))).toBe('bad port');
    expect(describeError('plain')).toBe('plain');
  });
});
