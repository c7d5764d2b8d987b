import { configError } from './config-error.js';

export type Environment = Readonly<Record<string, string | undefined>>;

const VARIABLE = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Compose's variable interpolation over every string of a parsed document: `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}`,
 * `${VAR?message}`, `$VAR` and `$$`.
 */
export function interpolate(value: unknown, env: Environment, where = 'the compose file'): unknown {
  if (typeof value === 'string') return interpolateString(value, env, where);
  if (Array.isArray(value)) return value.map((v: unknown) => interpolate(v, env, where));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, where)]));
  }
  return value;
}

function interpolateString(text: string, env: Environment, where: string): string {
  return text.replace(VARIABLE, (_whole, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (dollar !== undefined) return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (op) {
      case undefined:
        return value ?? '';
      case ':-':
        return nonEmpty ? value : (arg ?? '');
      case '-':
        return set ? value : (arg ?? '');
      case ':+':
        return nonEmpty ? (arg ?? '') : '';
      case '+':
        return set ? (arg ?? '') : '';
      default: // ':?' and '?'
        if (op === ':?' ? nonEmpty : set) return value!;
        throw configError(`${where}: ${name} is required${arg ? `: ${arg}` : ''}`);
    }
  });
}
