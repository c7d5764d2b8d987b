// What a decision of the active controller comes to: records to propose through Raft (applied
// by everyone once committed) plus what to tell the caller, or a refusal with an error code
// from errors.proto. Decisions never throw for bad requests; a throw means a controller bug.
//
// A decision reads the state with every record proposed so far already applied (committed or
// not, as KRaft's active controller does): two decisions on the same partition must see each
// other, or the second would reuse the first's partition epoch.
import { QuillError, type ErrorCode } from '@quill/proto';
import type { MetadataRecord } from '@quill/metadata';

export interface Accepted<T> {
  readonly ok: true;
  /** To be committed atomically, in this order (one Raft entry). May be empty (nothing to change). */
  readonly records: readonly MetadataRecord[];
  readonly result: T;
}

export interface Rejected {
  readonly ok: false;
  readonly error: QuillError;
}

export type Decision<T> = Accepted<T> | Rejected;

export function accept<T>(records: readonly MetadataRecord[], result: T): Accepted<T> {
  return { ok: true, records, result };
}

export function reject(code: ErrorCode, message: string): Rejected {
  return { ok: false, error: new QuillError(code, message) };
}

/** A refusal for an error a check outside the decisions found (the topic-config table's). */
export function refuse(error: QuillError): Rejected {
  return { ok: false, error };
}
