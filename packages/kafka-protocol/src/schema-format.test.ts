import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ApiSchema } from './schema-model.js';

type Codegen = { parseSchema(text: string, fileName: string): ApiSchema };

const codegenUrl = pathToFileURL(fileURLToPath(new URL('../../../scripts/kafka-codegen.mjs', import.meta.url))).href;
const loadCodegen = async (): Promise<Codegen> => (await import(codegenUrl)) as Codegen;

function schema(fields: string): string {
  return `name: Sample\nkey: 99\nversions: 0-3\nflexible: 2+\nrequest:\n${fields}\nresponse: []\n`;
}

describe('schema format', () => {
  it('parses versions, nullable versions, tags, defaults and nested struct arrays', async () => {
    const { parseSchema } = await loadCodegen();
    const api = parseSchema(
      schema(`  - a int32 1-2 default=-1\n  - b string 2+ nullable=2+ tag=0 default=null\n  - c []Item:\n      - d int64`),
      'sample.yaml',
    );
    expect(api.versions).toEqual({ min: 0, max: 3 });
    expect(api.flexible).toEqual({ min: 2, max: Infinity });
    expect(api.request[0]).toMatchObject({ name: 'a', type: 'int32', versions: { min: 1, max: 2 }, default: -1 });
    expect(api.request[1]).toMatchObject({ name: 'b', nullable: { min: 2, max: Infinity }, tag: 0, default: null });
    expect(api.request[2]).toMatchObject({ struct: 'Item', fields: [{ name: 'd', type: 'int64' }] });
  });

  it.each([
    ['an unknown type', '  - a int33'],
    ['an unknown attribute', '  - a int32 ignorable'],
    ['a struct array without fields', '  - a []Item'],
    ['a default out of range', '  - a int8 default=300'],
    ['null default on a non-nullable field', '  - a string default=null'],
    ['a field twice', '  - a int32\n  - a int16'],
    ['a tag twice', '  - a int32 tag=1\n  - b int32 tag=1'],
  ])('refuses %s', async (_what, fields) => {
    const { parseSchema } = await loadCodegen();
    expect(() => parseSchema(schema(fields), 'bad.yaml')).toThrow(/bad\.yaml/);
  });
});
