import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { formatElection, leadersCommand } from './leaders.js';

/** Parses `argv` as main.ts would and returns the error message (no connection is made before it). */
async function errorOf(argv: string[]): Promise<string> {
  const cli = leadersCommand(
    yargs(argv)
      .scriptName('quill')
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      }),
  );
  try {
    await cli.parseAsync();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`quill ${argv.join(' ')} did not fail`);
}

describe('quill leaders elect', () => {
  it('prints one line per partition', () => {
    expect(
      formatElection([
        { topic: 'orders', partition: 0, errorCode: 'NONE' },
        { topic: 'orders', partition: 1, errorCode: 'ELECTION_NOT_NEEDED', errorMessage: 'orders/1: the preferred replica 2 already leads.' },
        { topic: 'orders', partition: 2, errorCode: 'PREFERRED_LEADER_NOT_AVAILABLE' },
      ]),
    ).toBe(
      [
        'orders-0: preferred leader elected',
        'orders-1: ELECTION_NOT_NEEDED (orders/1: the preferred replica 2 already leads.)',
        'orders-2: PREFERRED_LEADER_NOT_AVAILABLE',
      ].join('\n'),
    );
    expect(formatElection([])).toBe('Every partition is led by its preferred replica.');
  });

  it('refuses incomplete arguments before connecting', async () => {
    expect(await errorOf(['leaders'])).toBe('Name a leaders action: elect.');
    expect(await errorOf(['leaders', 'elect'])).toBe('Missing required argument: preferred');
    expect(await errorOf(['leaders', 'elect', '--no-preferred'])).toBe('Name the election: --preferred.');
    expect(await errorOf(['leaders', 'elect', '--preferred', '--partition', '1'])).toBe('--partition needs --topic.');
    expect(await errorOf(['leaders', 'elect', '--preferred', '--topic', 't', '--partition', '-1'])).toBe("--partition must be a non-negative integer, got '-1'.");
  });
});
