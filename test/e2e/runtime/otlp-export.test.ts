/**
 * Issue 6, item 7 made the generated services export spans and RED metrics with their own
 * OTLP/JSON code (src/otlp.ts, src/span-export.ts, src/metrics.ts) instead of the SDK's
 * BatchSpanProcessor, OTLP exporter and histograms. These tests hold that code to what it
 * replaces: the same ExportTraceServiceRequest as the official serializer for the same
 * spans (table of span shapes), and the batch processor's behaviour (batch size, delay,
 * bounded queue, retries, timeouts, headers, gzip, flush), and histogram buckets that
 * follow OTLP's rules. The modules are the compiled ones of the shared generated
 * `minimal` repo, with the SDK and serializer from its node_modules.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOtlpReceiver as startReceiver, type OtlpReceiver } from '../../helpers/otlp-receiver.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- modules of the generated repo, loaded at run time */
let spanExport: any;
let metrics: any;
let config: any;
let sdk: any;
let api: any;
let transformer: any;
let core: any;

beforeAll(async () => {
  const service = path.join(inject('e2eRoot'), 'minimal', 'services', 'notes');
  const load = (file: string) => import(pathToFileURL(path.join(service, 'dist', file)).href);
  [spanExport, metrics, config] = await Promise.all([load('span-export.js'), load('metrics.js'), load('config.js')]);
  const require = createRequire(path.join(service, 'package.json'));
  sdk = require('@opentelemetry/sdk-trace-base');
  api = require('@opentelemetry/api');
  core = require('@opentelemetry/core');
  // The serializer the SDK's OTLP/HTTP exporters use (here a dependency of the metric exporter).
  transformer = createRequire(require.resolve('@opentelemetry/exporter-metrics-otlp-http'))('@opentelemetry/otlp-transformer');
});

/** Ends spans through a provider whose only processor is `processor`. */
function tracerWith(processor: unknown, scope = 'notes') {
  const provider = new sdk.BasicTracerProvider({ spanProcessors: [processor], resource: undefined });
  return { provider, tracer: provider.getTracer(scope, '1.2.3') };
}

function collect() {
  const spans: any[] = [];
  return { spans, processor: { onStart() {}, onEnd: (s: unknown) => spans.push(s), forceFlush: async () => {}, shutdown: async () => {} } };
}

/** proto3 JSON allows int64 as string or number; the official serializer also omits empty fields. */
function normalize(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || (Array.isArray(v) && v.length === 0) || (typeof v === 'number' && v === 0 && /dropped/.test(k))) continue;
      out[k] = normalize(v, k);
    }
    return out;
  }
  if (/UnixNano$|^intValue$/.test(key)) return String(value);
  return value;
}

const REMOTE_PARENT = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true };

const SHAPES: { name: string; make: (tracer: any) => void }[] = [
  {
    name: 'server span with the HTTP attributes and a status code',
    make: (tracer) => {
      const span = tracer.startSpan('GET /v1/notes/:noteId', { kind: api.SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/v1/notes/:noteId', 'url.path': '/v1/notes/1' } });
      span.setAttribute('http.response.status_code', 200);
      span.end();
    },
  },
  {
    name: 'child of a remote parent, with trace state, error status and a message',
    make: (tracer) => {
      const parent = api.trace.setSpanContext(api.ROOT_CONTEXT, { ...REMOTE_PARENT, traceState: new core.TraceState('vendor=a,other=b') });
      const span = tracer.startSpan('POST /v1/orders', { kind: api.SpanKind.CLIENT }, parent);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: 'payments answered 503 "unavailable"' });
      span.end();
    },
  },
  {
    name: 'every attribute type: unicode, quotes, control characters, doubles, big and negative ints, booleans, arrays',
    make: (tracer) => {
      const span = tracer.startSpan('attrs \u00e9\u4e2d "quoted" \\ back', {
        attributes: {
          s: 'line\nbreak\ttab "q" \u0001 \u2028 emoji \ud83d\ude80',
          i: 42,
          neg: -7,
          big: 2 ** 53 - 1,
          d: 3.25,
          tiny: 1e-9,
          t: true,
          f: false,
          strings: ['a', 'b"c'],
          numbers: [1, 2.5],
          bools: [true, false],
        },
      });
      span.end();
    },
  },
  {
    name: 'events with attributes, and links',
    make: (tracer) => {
      const span = tracer.startSpan('with events', {
        kind: api.SpanKind.PRODUCER,
        links: [{ context: REMOTE_PARENT, attributes: { why: 'batch' } }, { context: { ...REMOTE_PARENT, spanId: '00f067aa0ba902b7', isRemote: false } }],
      });
      span.addEvent('retry', { attempt: 2, 'error.type': 'timeout' });
      span.addEvent('plain');
      span.recordException(new Error('boom "x"'));
      span.end();
    },
  },
  {
    name: 'internal and consumer spans with no attributes',
    make: (tracer) => {
      tracer.startSpan('internal').end();
      tracer.startSpan('consumer', { kind: api.SpanKind.CONSUMER }).end();
    },
  },
];

describe('encodeSpan: the same OTLP/JSON as the official serializer', () => {
  it.each(SHAPES)('$name', ({ make }) => {
    const { spans, processor } = collect();
    const { tracer } = tracerWith(processor);
    make(tracer);
    expect(spans.length).toBeGreaterThan(0);
    const official = JSON.parse(new TextDecoder().decode(transformer.JsonTraceSerializer.serializeRequest(spans)));
    const ours = spans.map((s) => JSON.parse(spanExport.encodeSpan(s)));
    expect(normalize(ours)).toEqual(normalize(official.resourceSpans[0].scopeSpans[0].spans));
  });

  it('non-finite doubles are spelled as proto3 JSON strings', () => {
    const { spans, processor } = collect();
    tracerWith(processor).tracer.startSpan('nan', { attributes: { nan: NaN, inf: Infinity, ninf: -Infinity } }).end();
    const attrs = JSON.parse(spanExport.encodeSpan(spans[0])).attributes;
    expect(attrs.map((a: any) => a.value.doubleValue)).toEqual(['NaN', 'Infinity', '-Infinity']);
  });
});

const spanCount = (r: OtlpReceiver['requests'][number]) => (r.body as any).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)).length;

describe('OtlpJsonSpanProcessor: the batch processor it replaces', () => {
  const receivers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });

  function processor(url: string, options: Record<string, unknown> = {}) {
    const errors: string[] = [];
    const p = new spanExport.OtlpJsonSpanProcessor({
      url: `${url}/v1/traces`,
      resource: { 'service.name': 'notes', 'service.version': '1.0.0' },
      scheduledDelayMs: 60_000,
      maxQueueSize: 100,
      maxExportBatchSize: 10,
      timeoutMs: 2000,
      onError: (e: Error) => errors.push(e.message),
      errorIntervalMs: 0,
      ...options,
    });
    return { p, errors, tracer: tracerWith(p).tracer };
  }

  it('sends a full batch at once, the rest on flush; resource, scopes and every span arrive', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const { p, tracer } = processor(r.url);
    const other = tracerWith(p, 'other-scope').tracer;
    for (let i = 0; i < 10; i++) tracer.startSpan(`s${i}`).end();
    await new Promise((res) => setTimeout(res, 200));
    expect(r.requests.map(spanCount)).toEqual([10]);
    for (let i = 0; i < 3; i++) tracer.startSpan(`t${i}`).end();
    other.startSpan('from another tracer').end();
    await p.forceFlush();
    expect(r.requests.map(spanCount)).toEqual([10, 4]);
    const last = r.requests[1]!;
    expect(last.url).toBe('/v1/traces');
    expect(last.headers['content-type']).toBe('application/json');
    const rs = (last.body as any).resourceSpans[0];
    expect(rs.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'notes' } });
    expect(rs.scopeSpans.map((s: any) => [s.scope.name, s.spans.length])).toEqual([
      ['notes', 3],
      ['other-scope', 1],
    ]);
    await p.shutdown();
  });

  it('sends a partial batch after the schedule delay', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const { p, tracer } = processor(r.url, { scheduledDelayMs: 50 });
    tracer.startSpan('alone').end();
    await new Promise((res) => setTimeout(res, 400));
    expect(r.requests.map(spanCount)).toEqual([1]);
    await p.shutdown();
  });

  it('drops unsampled spans, and spans beyond the queue (counted and reported)', async () => {
    const r = await startReceiver(() => 'hang');
    receivers.push(r);
    const { p, tracer, errors } = processor(r.url, { maxQueueSize: 20, maxExportBatchSize: 10, timeoutMs: 300, maxAttempts: 1 });
    const unsampled = api.trace.setSpanContext(api.ROOT_CONTEXT, { ...REMOTE_PARENT, traceFlags: 0 });
    tracer.startSpan('not sampled', {}, unsampled).end();
    // 10 leave in the first (hanging) export, 20 fill the queue, 5 are dropped.
    for (let i = 0; i < 35; i++) tracer.startSpan(`s${i}`).end();
    expect(errors.some((e) => /5 span\(s\) dropped so far/.test(e))).toBe(true);
    await p.shutdown();
    expect(errors.some((e) => /no answer within 300 ms/.test(e))).toBe(true);
  });

  it('retries 503 with backoff and then succeeds; a 400 is not retried and is reported', async () => {
    const r = await startReceiver((n) => (n < 2 ? 503 : 200));
    receivers.push(r);
    const { p, tracer, errors } = processor(r.url, { maxExportBatchSize: 1 });
    const started = performance.now();
    tracer.startSpan('retried').end();
    await p.forceFlush();
    expect(r.received()).toBe(3);
    // Two backoffs of about 1 s and 1.5 s (with ±20% jitter).
    expect(performance.now() - started).toBeGreaterThan(1800);
    expect(errors).toEqual([]);
    await p.shutdown();

    const bad = await startReceiver(() => 400);
    receivers.push(bad);
    const second = processor(bad.url, { maxExportBatchSize: 1 });
    second.tracer.startSpan('rejected').end();
    await second.p.forceFlush();
    expect(bad.received()).toBe(1);
    expect(second.errors.join('\n')).toMatch(/failed, 1 span\(s\) lost: HTTP 400/);
    await second.p.shutdown();
  }, 15_000);

  it('sends OTEL_EXPORTER_OTLP_HEADERS and gzips when asked', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const { p, tracer } = processor(r.url, { headers: { authorization: 'Bearer abc', 'x-tenant': 'a b' }, gzip: true });
    tracer.startSpan('zipped \u00e9').end();
    await p.forceFlush();
    expect(r.requests[0]!.headers['content-encoding']).toBe('gzip');
    expect(r.requests[0]!.headers.authorization).toBe('Bearer abc');
    expect(r.requests[0]!.headers['x-tenant']).toBe('a b');
    expect((r.requests[0]!.body as any).resourceSpans[0].scopeSpans[0].spans[0].name).toBe('zipped \u00e9');
    await p.shutdown();
  });

  it('a refused connection is reported, never thrown', async () => {
    const r = await startReceiver();
    const url = r.url;
    await r.close();
    const { p, tracer, errors } = processor(url, { maxAttempts: 2 });
    tracer.startSpan('nowhere').end();
    await p.shutdown();
    expect(errors.join('\n')).toMatch(/ECONNREFUSED/);
  });
});

describe('RED histograms: OTLP explicit buckets', () => {
  it('counts a value equal to a boundary in that bucket, and keeps sum, min and max', () => {
    const h = new metrics.DurationHistogram('test.duration', 'test', [0.1, 1]);
    const series = h.series('a', { route: '/a' });
    for (const v of [0.05, 0.1, 0.5, 1, 2]) h.record(series, v);
    const metric = JSON.parse(h.encode(Date.now()));
    const point = metric.histogram.dataPoints[0];
    expect(metric.histogram.aggregationTemporality).toBe(2);
    expect(point.bucketCounts).toEqual(['2', '2', '1']);
    expect(point.explicitBounds).toEqual([0.1, 1]);
    expect([point.count, point.sum, point.min, point.max]).toEqual(['5', 3.65, 0.05, 2]);
    expect(point.attributes).toEqual([{ key: 'route', value: { stringValue: '/a' } }]);
    expect(BigInt(point.timeUnixNano)).toBeGreaterThanOrEqual(BigInt(point.startTimeUnixNano));
  });

  it('bounds the number of series: the rest share one overflow series', () => {
    const h = new metrics.DurationHistogram('test.many', 'test', [1]);
    for (let i = 0; i < 2100; i++) h.record(h.series(`k${i}`, { i }), 0.5);
    const points = JSON.parse(h.encode(Date.now())).histogram.dataPoints;
    expect(points).toHaveLength(2001);
    expect(points.at(-1)).toMatchObject({ count: '100', attributes: [{ key: 'otel.metric.overflow', value: { boolValue: true } }] });
  });
});

describe('OTLP settings from the environment', () => {
  it.each([
    ['OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer%20x,x-a=1', null],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'no-equals-sign', 'is not a header'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'bad name=1', 'is not a header'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'x=%0d%0aInjected: 1', 'is not a header'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'x=%E0%A4%A', 'is not a header'],
    ['OTEL_EXPORTER_OTLP_COMPRESSION', 'brotli', 'must be one of none, gzip'],
    ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', '5000', 'must not be above OTEL_BSP_MAX_QUEUE_SIZE'],
  ])('%s=%j', (name, value, problem) => {
    const env = { [name]: value };
    if (problem === null) {
      expect(config.loadConfig(env).otlpHeaders).toEqual({ authorization: 'Bearer x', 'x-a': '1' });
    } else {
      expect(() => config.loadConfig(env)).toThrow(problem);
    }
  });

  it('the access log is on by default without OTLP export, off with it, and LOG_REQUESTS decides', () => {
    expect(config.loadConfig({}).logRequests).toBe(true);
    expect(config.loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).logRequests).toBe(false);
    expect(config.loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', LOG_REQUESTS: 'true' }).logRequests).toBe(true);
  });
});
