import fs from 'node:fs';

/**
 * One event of a chaos run's history, Jepsen style. A send is `invoke`d, then completes as `ok`
 * (acknowledged, with the partition and offset), `fail` (definitely not written) or `info`
 * (indeterminate: a timeout or an error after which the write may or may not be in the log).
 * Every record a consumer reads is a `poll`. `time` is ms since the start of the run.
 *
 * The topic-churn side workload is outside that accounting: `topic-created` marks each incarnation
 * of its topic (deleted and re-created under the same name), and its reads are `churn-poll`s of
 * values `i<incarnation>-<n>`.
 */
export type HistoryEvent =
  | { type: 'invoke'; process: string; topic: string; value: string; key: string; time: number }
  | { type: 'ok'; process: string; topic: string; value: string; key: string; partition: number; offset: number; time: number }
  | { type: 'fail' | 'info'; process: string; topic: string; value: string; key: string; error: string; time: number }
  | { type: 'poll'; process: string; topic: string; partition: number; offset: number; value: string; time: number }
  | { type: 'nemesis'; fault: string; phase: 'start' | 'end'; detail: string; time: number }
  | { type: 'topic-created'; topic: string; incarnation: number; time: number }
  | { type: 'churn-poll'; process: string; topic: string; partition: number; offset: number; value: string; time: number };

/** The reader of the churned topic after healing: it may see only the topic's last incarnation. */
export const CHURN_FINAL_READER = 'churn-final';

/**
 * The history of a run, in memory for the checker and appended to a JSON-lines file as it grows
 * (so a run that dies still leaves what happened).
 */
export class History {
  readonly events: HistoryEvent[] = [];
  private readonly fd: number | undefined;
  private readonly startedAt = Date.now();

  constructor(file?: string) {
    this.fd = file === undefined ? undefined : fs.openSync(file, 'w');
  }

  /** ms since the history started. */
  now(): number {
    return Date.now() - this.startedAt;
  }

  /** Adds an event stamped with the current time. */
  add(event: DistributiveOmit<HistoryEvent, 'time'>): void {
    const stamped = { ...event, time: this.now() } as HistoryEvent;
    this.events.push(stamped);
    if (this.fd !== undefined) fs.writeSync(this.fd, `${JSON.stringify(stamped)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
