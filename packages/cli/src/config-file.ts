import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { optionsFromClientProperties } from './client-security/client-properties.js';

/**
 * The options of a --config file: a Kafka client `.properties` file (its security settings, see
 * optionsFromClientProperties), else YAML or JSON with keys as on the command line.
 */
export function readConfigFile(file: string): object {
  const text = readFileSync(file, 'utf8');
  return path.extname(file).toLowerCase() === '.properties' ? optionsFromClientProperties(text) : (parseYaml(text) as object);
}
