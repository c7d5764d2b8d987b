/**
 * What one name of an options object means: the SDK's own option; KafkaJS's name for one of the
 * SDK's (`alias`); or a KafkaJS option that is accepted and has no effect here (`ignored`, with
 * the reason the docs give; `accepts`, when set, refuses the values that would ask for something).
 */
export type OptionName<T> = 'option' | { alias: keyof T } | { ignored: string; accepts?: (value: unknown) => boolean };

/** A KafkaJS option the SDK refuses, with why; `accepts` lets through values that ask for nothing (e.g. `ssl: false`). */
export interface Refusal {
  reason: string;
  accepts?: (value: unknown) => boolean;
}

/** The names an options object takes: every key of T, plus KafkaJS options refused with a reason. */
export interface OptionTable<T> {
  /** How the object is named in errors, e.g. "new Quill()" or "producer()". */
  what: string;
  names: { readonly [K in keyof Required<T>]: OptionName<T> };
  refused?: Readonly<Record<string, Refusal>>;
}

/**
 * The options as the SDK names them: KafkaJS's aliases renamed, ignored options dropped. Throws a
 * TypeError naming the option for an unknown name, a refused option, or an option given under
 * both of its names with different values. An option set to `undefined` counts as not given.
 */
export function checkOptions<T extends object>(table: OptionTable<T>, given: T): T {
  if (typeof given !== 'object' || given === null) throw new TypeError(`${table.what}: the options must be an object`);
  const names = table.names as Readonly<Record<string, OptionName<T>>>;
  const checked: Record<string, unknown> = {};
  const givenAs = new Map<string, string>();
  for (const [name, value] of Object.entries(given)) {
    const meaning = Object.hasOwn(names, name) ? names[name] : undefined;
    if (meaning === undefined) {
      const refusal = table.refused?.[name];
      if (refusal === undefined) throw new TypeError(`${table.what}: unknown option '${name}'; the options are ${acceptedNames(table)}`);
      if (value !== undefined && !(refusal.accepts?.(value) ?? false)) {
        throw new TypeError(`${table.what}: option '${name}' is not supported: ${refusal.reason}`);
      }
      continue;
    }
    if (value === undefined) continue;
    if (typeof meaning === 'object' && 'ignored' in meaning) {
      if (!(meaning.accepts?.(value) ?? true)) throw new TypeError(`${table.what}: option '${name}' cannot be ${String(value)}: ${meaning.ignored}`);
      continue;
    }
    const target = meaning === 'option' ? name : String(meaning.alias);
    const earlier = givenAs.get(target);
    if (earlier !== undefined && checked[target] !== value) {
      throw new TypeError(`${table.what}: '${earlier}' and '${name}' name the same option and are given different values (${String(checked[target])} and ${String(value)}); give one`);
    }
    givenAs.set(target, name);
    checked[target] = value;
  }
  return checked as T;
}

/** The names a table accepts, its own first, then KafkaJS's aliases, for error messages. */
function acceptedNames<T>(table: OptionTable<T>): string {
  const entries = Object.entries(table.names as Readonly<Record<string, OptionName<T>>>);
  const own = entries.filter(([, meaning]) => meaning === 'option').map(([name]) => name);
  const aliases = entries.filter(([, meaning]) => typeof meaning === 'object' && 'alias' in meaning).map(([name, meaning]) => `${name} (= ${String((meaning as { alias: keyof T }).alias)})`);
  const ignored = entries.filter(([, meaning]) => typeof meaning === 'object' && 'ignored' in meaning).map(([name]) => name);
  return [own.join(', '), aliases.length > 0 ? `KafkaJS's ${aliases.join(', ')}` : '', ignored.length > 0 ? `and, without effect, ${ignored.join(', ')}` : '']
    .filter((part) => part !== '')
    .join('; ');
}
