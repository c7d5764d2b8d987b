import { QuillError } from '@quill/proto';

/** Kafka's super.users value: principals separated by `;` (`User:alice;User:bob`), each with its type. */
export function parseSuperUsers(value: string): string[] {
  const principals = value
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const untyped = principals.find((p) => !/^[A-Za-z]+:.+/.test(p));
  if (untyped !== undefined) throw new QuillError('INVALID_CONFIG', `super.users entries are principals like User:alice, got "${untyped}"`);
  return principals;
}
