import { QuillError } from '@quill/client';
import { parseBrowseRequest } from './browse-request.js';
import type { ConsoleApi, ProduceRequest } from './console-api.js';
import type { ConsoleLimits } from './console-config.js';

/** One JSON API call: the query string and, for a POST, the parsed body. */
export interface ApiCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Route = (call: ApiCall, api: ConsoleApi, limits: ConsoleLimits) => Promise<unknown>;

/** The console's JSON API by "METHOD /path"; every answer is read through the SDK. */
const ROUTES: Record<string, Route> = {
  'GET /api/brokers': (_, api) => api.brokers(),
  'GET /api/quorum': (_, api) => api.quorum(),
  'GET /api/topics': (_, api) => api.topics(),
  'GET /api/groups': (_, api) => api.groups(),
  'GET /api/configs': ({ query }, api) => {
    const kind = query.get('kind');
    const name = query.get('name');
    if ((kind !== 'topic' && kind !== 'broker') || name === null || name === '') throw new QuillError('INVALID_REQUEST', 'configs needs kind=topic|broker and a name.');
    return api.configs(kind, name);
  },
  'GET /api/messages': ({ query }, api, limits) => api.browse(parseBrowseRequest(query, limits)),
  'POST /api/produce': ({ body }, api) => api.produce(produceRequest(body)),
};

/** The route for a call, undefined when there is none. */
export function findRoute(method: string, path: string): Route | undefined {
  return ROUTES[`${method} ${path}`];
}

function produceRequest(body: unknown): ProduceRequest {
  if (typeof body !== 'object' || body === null) throw new QuillError('INVALID_REQUEST', 'produce needs a JSON object body.');
  const { topic, partition, key, value, headers } = body as Record<string, unknown>;
  if (typeof topic !== 'string' || topic === '') throw new QuillError('INVALID_REQUEST', 'produce needs a topic.');
  if (partition !== undefined && (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0)) {
    throw new QuillError('INVALID_REQUEST', 'partition must be a whole number ≥ 0.');
  }
  if (key !== undefined && key !== null && typeof key !== 'string') throw new QuillError('INVALID_REQUEST', 'key must be text or null.');
  if (value !== null && typeof value !== 'string') throw new QuillError('INVALID_REQUEST', 'value must be text or null.');
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string'))) {
    throw new QuillError('INVALID_REQUEST', 'headers must map names to text.');
  }
  return {
    topic,
    value,
    ...(partition === undefined ? {} : { partition }),
    ...(key === undefined ? {} : { key }),
    ...(headers === undefined ? {} : { headers: headers as Record<string, string> }),
  };
}
