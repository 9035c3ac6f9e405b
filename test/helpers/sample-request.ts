/**
 * Build a request that satisfies an OpenAPI operation's parameters and body, from the
 * spec itself (openapi-sampler, Redocly's sample generator), so a test can call every
 * operation of any spec and expect it to reach the handler.
 */
import { sample } from 'openapi-sampler';

type Doc = Record<string, any>;

function deref(doc: Doc, node: any, depth = 0): any {
  if (!node || typeof node !== 'object' || depth > 20) return node;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
    const target = node.$ref
      .slice(2)
      .split('/')
      .map((s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o: any, k: string) => o?.[k], doc);
    return deref(doc, target, depth + 1);
  }
  return node;
}

function sampleValue(doc: Doc, schema: any): unknown {
  if (!schema) return 'x';
  try {
    return sample(schema, { skipReadOnly: true, skipNonRequired: false, quiet: true } as never, doc);
  } catch {
    return 'x';
  }
}

export interface SampleRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export function sampleRequest(doc: Doc, pathTemplate: string, method: string): SampleRequest {
  const pathItem = deref(doc, doc.paths?.[pathTemplate]) ?? {};
  const op = deref(doc, pathItem[method]) ?? {};
  const params: any[] = [...(pathItem.parameters ?? []), ...(op.parameters ?? [])].map((p) => deref(doc, p));
  let path = pathTemplate;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of params) {
    const schema = deref(doc, p.schema) ?? { type: 'string' };
    let v = p.example ?? sampleValue(doc, schema);
    if (Array.isArray(v)) v = v[0] ?? 'x';
    if (v === null || v === undefined || typeof v === 'object') v = 'x';
    const text = String(v);
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(text === '' ? 'x' : text));
    else if (p.in === 'query' && p.required) query.set(p.name, text);
    else if (p.in === 'header' && p.required) headers[String(p.name).toLowerCase()] = text;
  }
  path = path.replace(/\{[^}]+\}/g, 'x');
  const result: SampleRequest = { method: method.toUpperCase(), path: query.size ? `${path}?${query}` : path, headers };
  const rb = deref(doc, op.requestBody);
  if (rb?.content) {
    const types = Object.keys(rb.content);
    const json = types.find((t) => /json/.test(t));
    const form = types.find((t) => t === 'application/x-www-form-urlencoded');
    if (json) {
      headers['content-type'] = json === '*/*' ? 'application/json' : json;
      result.body = JSON.stringify(sampleValue(doc, deref(doc, rb.content[json].schema)) ?? {});
    } else if (form) {
      headers['content-type'] = form;
      const v = sampleValue(doc, deref(doc, rb.content[form].schema));
      const body = new URLSearchParams();
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) body.set(k, typeof x === 'object' ? JSON.stringify(x) : String(x));
      result.body = body.toString();
    } else if (types[0]) {
      headers['content-type'] = types[0].includes('*') ? 'application/octet-stream' : types[0];
      result.body = types[0].startsWith('multipart/') ? undefined : 'x';
      if (types[0].startsWith('multipart/')) {
        const boundary = 'casboundary';
        headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
        result.body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nx\r\n--${boundary}--\r\n`;
      }
    }
  }
  return result;
}
