import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// In a process of its own: quietKnownWarnings replaces process.emitWarning for good.
const SCRIPT = `
import { quietKnownWarnings } from './packages/cli/src/quiet-warnings.ts';
quietKnownWarnings();
process.emitWarning('ip as servername', 'DeprecationWarning', 'DEP0123');
process.emitWarning('ip as servername', { type: 'DeprecationWarning', code: 'DEP0123' });
process.emitWarning('something else', 'DeprecationWarning', 'DEP0999');
process.emitWarning('plain');
`;

describe('quietKnownWarnings', () => {
  it('drops DEP0123 in either calling form and keeps every other warning', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('DEP0123');
    expect(run.stderr).toContain('[DEP0999] DeprecationWarning: something else');
    expect(run.stderr).toContain('Warning: plain');
  });
});
