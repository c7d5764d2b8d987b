import { describe, expect, it } from 'vitest';
import { formatPlan, parsePlan } from './plan-file.js';

describe('reassignment plan files (Kafka format)', () => {
  it('reads what it writes, log_dirs "any" included', () => {
    const entries = [{ topic: 't', partition: 0, replicas: [2, 3, 4] }, { topic: 'u', partition: 3, replicas: [1] }];
    expect(parsePlan(formatPlan(entries))).toEqual(entries);
    expect(JSON.parse(formatPlan(entries)).partitions[0].log_dirs).toEqual(['any', 'any', 'any']);
  });

  it('refuses a malformed file with INVALID_REQUEST and one clear line', () => {
    const refusal = (text: string): string => {
      try {
        parsePlan(text);
      } catch (error) {
        expect((error as { code: string }).code).toBe('INVALID_REQUEST');
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal('{"partitions": [')).toMatch(/^The plan is malformed: not JSON/);
    expect(refusal('[]')).toBe('The plan is malformed: expected an object with "version" and "partitions".');
    expect(refusal('{"version":2,"partitions":[]}')).toBe('The plan is malformed: version 2 (only 1 is known).');
    expect(refusal('{"version":1,"partitions":[]}')).toBe('The plan is malformed: "partitions" is empty.');
    expect(refusal('{"partitions":[{"topic":"t","partition":-1,"replicas":[1]}]}')).toBe('The plan is malformed: partitions[0].partition must be a partition number.');
    expect(refusal('{"partitions":[{"topic":"t","partition":0,"replicas":["a"]}]}')).toBe('The plan is malformed: partitions[0].replicas must be a list of broker ids.');
    expect(refusal('{"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["/data"]}]}')).toMatch(/only "any" is supported/);
    expect(refusal('{"partitions":[{"topic":"t","partition":0,"replicas":[1]},{"topic":"t","partition":0,"replicas":[2]}]}')).toBe(
      'The plan is malformed: t/0 is named twice.',
    );
  });
});
