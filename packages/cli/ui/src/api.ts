// The console server's JSON API, as the pages use it.

export interface Shown {
  size: number;
  encoding: 'null' | 'text' | 'json' | 'hex';
  text: string;
  truncated: boolean;
}

export interface Broker {
  nodeId: number;
  state: 'running' | 'fenced' | 'shutting down';
  epoch: number;
  rack: string | null;
  endpoints: Array<{ listenerName: string; host: string; port: number }>;
}

export interface Replica {
  replicaId: number;
  logEndOffset: number;
  lag: number;
  lastFetchTimestampMs: number;
}

export interface Quorum {
  leaderId: number;
  term: number;
  highWatermark: number;
  voters: Replica[];
  observers: Replica[];
}

export interface Topic {
  name: string;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; offlineReplicas: number[]; low: number; high: number }>;
}

export interface Group {
  groupId: string;
  state: string;
  protocol: string;
  members: Array<{ memberId: string; clientId: string; clientHost: string; assignment: Array<{ topic: string; partition: number }> }>;
  offsets: Array<{ topic: string; partition: number; offset: number; high: number; lag: number }>;
}

export interface ConfigEntry {
  configName: string;
  configValue: string | null;
  configSource: string;
  isDefault: boolean;
  isSensitive: boolean;
}

export interface BrowsedMessage {
  partition: number;
  offset: number;
  timestamp: number;
  key: Shown;
  value: Shown;
  headers: Array<{ name: string; value: Shown }>;
}

export interface Browse {
  messages: BrowsedMessage[];
  low: number;
  high: number;
}

/** GETs an API path; rejects with the server's error message. */
export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

async function answer<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok) throw new Error(body.error === undefined ? `HTTP ${response.status}` : `${body.error.code}: ${body.error.message}`);
  return body;
}
