import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigFile } from './config-file.js';

describe('readConfigFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'quill-config-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads a .properties file as Kafka client properties, anything else as YAML or JSON with keys as on the command line', () => {
    expect(readConfigFile(write('client.properties', '# quill.bootstrap.servers=h:1\nbootstrap.servers=h:2\nsecurity.protocol=SSL\n'))).toEqual({
      bootstrap: 'h:1',
      'security-protocol': 'SSL',
    });
    expect(readConfigFile(write('cli.yaml', 'bootstrap: h:1\nsecurity-protocol: SSL\n'))).toEqual({ bootstrap: 'h:1', 'security-protocol': 'SSL' });
    expect(readConfigFile(write('cli.json', '{"bootstrap": "h:1"}'))).toEqual({ bootstrap: 'h:1' });
  });
});
