/**
 * An Elasticsearch 8 stand-in (Elasticsearch cannot run here). It answers like ES 8.x: the
 * `x-elastic-product: Elasticsearch` header the official client checks, 400 media_type_header_exception
 * for a `compatible-with` version other than 7 or 8, 404 index_not_found_exception for a missing
 * concrete index, and `_search` results FILTERED by the query it receives (bool must/filter, match
 * with operator, match_phrase, term, range on dates with `now-…` math, simple_query_string, match_all),
 * sorted and sized as asked. An unknown query type is a 400 parsing_exception, as in ES. So a test that
 * gets the right lines back proves the query's shape, and `searches` shows exactly what was sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type EsDoc = Record<string, unknown>;

export interface RecordedSearch {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface FakeElasticsearch {
  url: string;
  /** Adds documents to an index (created if new); `_id`s are assigned. */
  index(name: string, docs: EsDoc[]): void;
  setHealth(status: 'green' | 'yellow' | 'red'): void;
  /** Every `_search` request, parsed. */
  searches: RecordedSearch[];
  /** Every request's method and path. */
  requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

class QueryError extends Error {}

const tokens = (v: unknown): string[] =>
  String(v ?? '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

function get(doc: EsDoc, path: string): unknown {
  if (path in doc) return doc[path];
  let cur: unknown = doc;
  for (const p of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as EsDoc)[p];
  }
  return cur;
}

/** ES date math: `now`, `now-30m`, `now-7d`, or an ISO date. */
function dateValue(v: unknown, now: number): number {
  const s = String(v);
  const m = /^now(?:-(\d+)([smhdw]))?$/.exec(s);
  if (m) {
    const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[(m[2] ?? 's') as 's'];
    return now - Number(m[1] ?? 0) * unit;
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new QueryError(`failed to parse date field [${s}]`);
  return t;
}

function single(obj: unknown, what: string): [string, unknown] {
  if (!obj || typeof obj !== 'object') throw new QueryError(`[${what}] malformed query`);
  const entries = Object.entries(obj as EsDoc);
  if (entries.length !== 1) throw new QueryError(`[${what}] query doesn't support multiple fields`);
  return entries[0] as [string, unknown];
}

function matches(doc: EsDoc, q: unknown, now: number): boolean {
  const [type, spec] = single(q, 'query');
  switch (type) {
    case 'match_all':
      return true;
    case 'bool': {
      const b = spec as Record<string, unknown>;
      const list = (k: string) =>
        b[k] === undefined ? [] : Array.isArray(b[k]) ? (b[k] as unknown[]) : [b[k]];
      for (const k of Object.keys(b)) {
        if (!['must', 'filter', 'should', 'must_not', 'minimum_should_match'].includes(k)) {
          throw new QueryError(`[bool] query does not support [${k}]`);
        }
      }
      if (![...list('must'), ...list('filter')].every((c) => matches(doc, c, now))) return false;
      if (list('must_not').some((c) => matches(doc, c, now))) return false;
      const should = list('should');
      return should.length === 0 || should.some((c) => matches(doc, c, now));
    }
    case 'match':
    case 'match_phrase': {
      const [field, v] = single(spec, type);
      const opts = (typeof v === 'object' && v !== null ? v : { query: v }) as {
        query?: unknown;
        operator?: string;
      };
      if (opts.query === undefined || typeof opts.query === 'object')
        throw new QueryError(`[${type}] unknown token`);
      const want = tokens(opts.query);
      const have = tokens(get(doc, field));
      if (type === 'match_phrase') {
        return have.some((_, i) => want.every((w, j) => have[i + j] === w));
      }
      return String(opts.operator ?? 'or').toLowerCase() === 'and'
        ? want.every((w) => have.includes(w))
        : want.some((w) => have.includes(w));
    }
    case 'term': {
      const [field, v] = single(spec, 'term');
      const value = typeof v === 'object' && v !== null ? (v as { value?: unknown }).value : v;
      return String(get(doc, field)) === String(value);
    }
    case 'range': {
      const [field, v] = single(spec, 'range');
      const r = v as Record<string, unknown>;
      const raw = get(doc, field);
      if (raw === undefined) return false;
      const t = dateValue(raw, now);
      if (r.gte !== undefined && !(t >= dateValue(r.gte, now))) return false;
      if (r.gt !== undefined && !(t > dateValue(r.gt, now))) return false;
      if (r.lte !== undefined && !(t <= dateValue(r.lte, now))) return false;
      if (r.lt !== undefined && !(t < dateValue(r.lt, now))) return false;
      return true;
    }
    case 'simple_query_string': {
      const s = spec as { query?: unknown; fields?: string[]; default_operator?: string };
      if (typeof s.query !== 'string') throw new QueryError('[simple_query_string] requires a string query');
      const want = tokens(s.query);
      const fields = s.fields ?? Object.keys(doc);
      const have = fields.flatMap((f) => tokens(get(doc, f)));
      if (want.length === 0) return true;
      return String(s.default_operator ?? 'or').toLowerCase() === 'and'
        ? want.every((w) => have.includes(w))
        : want.some((w) => have.includes(w));
    }
    default:
      throw new QueryError(`unknown query [${type}]`);
  }
}

function indexMatcher(expr: string): (name: string) => boolean {
  const re = new RegExp(`^${expr.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return (name) => re.test(name);
}

export async function startFakeElasticsearch(opts: { version?: string } = {}): Promise<FakeElasticsearch> {
  const indices = new Map<string, Array<{ _id: string; _source: EsDoc }>>();
  let health: 'green' | 'yellow' | 'red' = 'green';
  let nextId = 1;
  const searches: RecordedSearch[] = [];
  const requests: Array<{ method: string; path: string }> = [];
  const version = opts.version ?? '8.13.4';

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      'content-type': 'application/vnd.elasticsearch+json;compatible-with=8',
      'x-elastic-product': 'Elasticsearch',
    });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, type: string, reason: string, extra: EsDoc = {}) =>
    send(res, status, {
      error: { root_cause: [{ type, reason, ...extra }], type, reason, ...extra },
      status,
    });

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? 'GET', path: url.pathname });
    for (const h of [req.headers.accept, req.headers['content-type']]) {
      const m = /compatible-with=(\d+)/.exec(String(h ?? ''));
      if (m && m[1] !== '7' && m[1] !== '8') {
        return error(
          res,
          400,
          'media_type_header_exception',
          `Invalid media-type value on headers [Accept, Content-Type]: Accept version must be either version 8 or 7, but found ${m[1]}.`,
        );
      }
    }
    const raw = await readBody(req);
    if (url.pathname === '/') {
      return send(res, 200, {
        name: 'fake-es',
        cluster_name: 'laojun-logs',
        version: { number: version, build_flavor: 'default' },
        tagline: 'You Know, for Search',
      });
    }
    if (url.pathname === '/_cluster/health') {
      return send(res, 200, {
        cluster_name: 'laojun-logs',
        status: health,
        timed_out: false,
        number_of_nodes: 1,
        number_of_data_nodes: 1,
        active_primary_shards: indices.size,
        active_shards: indices.size,
        relocating_shards: 0,
        initializing_shards: 0,
        unassigned_shards: health === 'green' ? 0 : 3,
        delayed_unassigned_shards: 0,
        number_of_pending_tasks: 0,
        number_of_in_flight_fetch: 0,
        task_max_waiting_in_queue_millis: 0,
        active_shards_percent_as_number: health === 'green' ? 100 : 75,
      });
    }
    const search = /^\/([^/]+)\/_search$/.exec(url.pathname);
    if (search && (req.method === 'POST' || req.method === 'GET')) {
      let body: Record<string, unknown>;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return error(res, 400, 'x_content_parse_exception', 'failed to parse request body');
      }
      const query = Object.fromEntries(url.searchParams.entries());
      searches.push({ path: url.pathname, query, headers: req.headers, body });
      const exprs = decodeURIComponent(search[1] as string).split(',');
      const names = new Set<string>();
      for (const e of exprs) {
        const found = [...indices.keys()].filter(indexMatcher(e));
        if (found.length === 0 && !e.includes('*') && query.ignore_unavailable !== 'true') {
          return error(res, 404, 'index_not_found_exception', `no such index [${e}]`, {
            'resource.type': 'index_or_alias',
            'resource.id': e,
            index: e,
          });
        }
        for (const f of found) names.add(f);
      }
      const now = Date.now();
      let hits: Array<{ _index: string; _id: string; _source: EsDoc }>;
      try {
        hits = [...names].flatMap((n) =>
          (indices.get(n) ?? [])
            .filter((d) => matches(d._source, body.query ?? { match_all: {} }, now))
            .map((d) => ({ _index: n, ...d })),
        );
      } catch (err) {
        if (err instanceof QueryError) return error(res, 400, 'parsing_exception', err.message);
        throw err;
      }
      const sort = (body.sort as Array<Record<string, { order?: string }>> | undefined)?.[0];
      if (sort) {
        const [field, o] = Object.entries(sort)[0] as [string, { order?: string }];
        const dir = o.order === 'desc' ? -1 : 1;
        hits.sort(
          (a, b) => dir * (dateValue(get(a._source, field), now) - dateValue(get(b._source, field), now)),
        );
      }
      const size = typeof body.size === 'number' ? body.size : 10;
      const fields = Array.isArray(body._source) ? (body._source as string[]) : undefined;
      return send(res, 200, {
        took: 3,
        timed_out: false,
        _shards: { total: names.size, successful: names.size, skipped: 0, failed: 0 },
        hits: {
          total: { value: hits.length, relation: 'eq' },
          max_score: null,
          hits: hits.slice(0, size).map((h) => ({
            _index: h._index,
            _id: h._id,
            _score: null,
            _source: fields
              ? Object.fromEntries(fields.filter((f) => f in h._source).map((f) => [f, h._source[f]]))
              : h._source,
          })),
        },
      });
    }
    return error(res, 400, 'illegal_argument_exception', `no handler found for uri [${url.pathname}]`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    index(name, docs) {
      const list = indices.get(name) ?? [];
      for (const d of docs) list.push({ _id: String(nextId++), _source: d });
      indices.set(name, list);
    },
    setHealth(s) {
      health = s;
    },
    searches,
    requests,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
