/**
 * A minimal OTLP/HTTP receiver on 127.0.0.1 for tests: accepts the JSON encoding that
 * @opentelemetry/exporter-*-otlp-http sends to /v1/traces and /v1/metrics, and keeps
 * what it received so a test can assert on spans and metrics.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

export interface ReceivedMetric {
  service: string;
  name: string;
  /** data points with flattened attributes */
  points: { attributes: Record<string, unknown>; count?: number; sum?: number; value?: number }[];
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return v.arrayValue.values.map(value);
  return undefined;
}

export function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

/** OTLP/JSON ids are hex; some encoders send base64. Normalise to lower-case hex. */
function hexId(id: unknown): string {
  if (typeof id !== 'string' || id === '') return '';
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  metrics: ReceivedMetric[];
  rawContentTypes: string[];
  /** Every request answered, in order: path, headers and the parsed (gunzipped) body. */
  requests: { url: string; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[];
  /** Requests received, answered or not. */
  received(): number;
  waitFor<T>(pick: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/**
 * `answer(n)` scripts the status of the n-th request (from 0), or 'hang' to never answer
 * it (the exporter's timeout then fires); 200 by default.
 */
export async function startOtlpReceiver(answer: (n: number) => number | 'hang' = () => 200): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const rawContentTypes: string[] = [];
  const requests: OtlpReceiver['requests'] = [];
  let received = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answer(received++);
      if (status === 'hang') return;
      rawContentTypes.push(String(req.headers['content-type']));
      let body: Record<string, unknown> = {};
      try {
        const raw = Buffer.concat(chunks);
        body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as Record<string, unknown>;
      } catch {
        /* protobuf or garbage: recorded by content type only */
      }
      requests.push({ url: req.url ?? '', headers: req.headers, body });
      if (status !== 200) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      if (req.url?.startsWith('/v1/traces')) {
        for (const rs of (body.resourceSpans as { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[]) ?? []) {
          const resource = attrs(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              spans.push({
                service: String(resource['service.name']),
                traceId: hexId(s.traceId),
                spanId: hexId(s.spanId),
                parentSpanId: hexId(s.parentSpanId),
                name: String(s.name),
                kind: Number(s.kind),
                attributes: attrs(s.attributes as KeyValue[]),
                status: s.status as ReceivedSpan['status'],
                resource,
              });
        }
      } else if (req.url?.startsWith('/v1/metrics')) {
        for (const rm of (body.resourceMetrics as { resource?: { attributes?: KeyValue[] }; scopeMetrics?: { metrics?: Record<string, unknown>[] }[] }[]) ?? []) {
          const resource = attrs(rm.resource?.attributes);
          for (const sm of rm.scopeMetrics ?? [])
            for (const m of sm.metrics ?? []) {
              const data = (m.histogram ?? m.sum ?? m.gauge) as { dataPoints?: Record<string, unknown>[] } | undefined;
              metrics.push({
                service: String(resource['service.name']),
                name: String(m.name),
                points: (data?.dataPoints ?? []).map((p) => ({
                  attributes: attrs(p.attributes as KeyValue[]),
                  count: p.count !== undefined ? Number(p.count) : undefined,
                  sum: p.sum !== undefined ? Number(p.sum) : undefined,
                  value: p.asInt !== undefined ? Number(p.asInt) : p.asDouble !== undefined ? Number(p.asDouble) : undefined,
                })),
              });
            }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    rawContentTypes,
    requests,
    received: () => received,
    async waitFor(pick, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = pick();
        if (got) return got;
        if (Date.now() > deadline) throw new Error(`OTLP receiver: condition not met within ${timeoutMs} ms (${spans.length} spans, ${metrics.length} metrics received)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => {
      // Hanging requests keep their connections open; close() would wait for them.
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
