/**
 * Start a built generated service as a real process on 127.0.0.1, wait until it answers,
 * collect its log lines, and stop it. Every test that starts one stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  url: string;
  port: number;
  child: ChildProcess;
  logs: string[];
  /** Parsed JSON log lines (pino). */
  jsonLogs(): Record<string, unknown>[];
  /** SIGTERM to the process group, then wait for exit; resolves with the exit code and signal. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** `npm start` (what users run) or `node dist/main.js` (direct signals). */
  via?: 'npm' | 'node';
  port?: number;
  readyTimeoutMs?: number;
}

export async function startService(opts: StartOptions): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, PORT: String(port), HOST: '127.0.0.1', ...opts.env })) if (v !== undefined) env[k] = v;
  const [cmd, args] = opts.via === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, ['dist/main.js']];
  // Own process group: `npm start` runs node as a grandchild, and npm does not always pass SIGTERM on;
  // signalling the group reaches the service itself and leaves no orphan behind.
  const child = spawn(cmd as string, args as string[], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  const logs: string[] = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    logs.push(...lines.filter(Boolean));
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  let exitedEarly: { code: number | null } | undefined;
  void exited.then((e) => (exitedEarly = e));
  for (;;) {
    if (exitedEarly) throw new Error(`service in ${opts.cwd} exited with ${exitedEarly.code} before answering:\n${logs.join('\n')}`);
    try {
      const res = await fetch(`${url}/health/live`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      signalGroup('SIGKILL');
      throw new Error(`service in ${opts.cwd} did not answer /health/live within the timeout:\n${logs.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    child,
    logs,
    exited,
    jsonLogs: () =>
      logs.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      const started = Date.now();
      if (child.exitCode !== null || child.signalCode !== null) return { ...(await exited), ms: 0 };
      signalGroup(signal);
      const timer = setTimeout(() => signalGroup('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, ms: Date.now() - started };
    },
  };
}
