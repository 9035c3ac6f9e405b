/**
 * Typed errors for everything a user can get wrong. Each carries where: a file, a JSON
 * path, a line and column. One top-level catch (src/cli/main.ts) prints them and picks
 * the exit code; no stack traces for user mistakes.
 */

export interface Problem {
  /** JSON path such as `$.services[2].name`, or '' for the whole document. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Exit codes (DESIGN.md §2): 0 success; 1 failure or drift; 2 invalid input or usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong flags or arguments. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** Input that cannot be used: a malformed or invalid plan or spec. Lists every problem. */
export class InputError extends CliError {
  constructor(
    readonly file: string | undefined,
    readonly problems: Problem[],
    summary = 'invalid input',
  ) {
    super(formatProblems(file, problems, summary), EXIT.usage);
  }
}

export function formatProblems(file: string | undefined, problems: Problem[], summary: string): string {
  const where = file ? `${file}: ` : '';
  const lines = problems.map((p) => {
    const loc = p.line !== undefined ? `${file ?? ''}:${p.line}:${p.column ?? 1}` : '';
    const at = [loc, p.path].filter(Boolean).join(' ');
    return `  - ${at ? `${at}: ` : ''}${p.message}`;
  });
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `${where}${summary} (${count})\n${lines.join('\n')}`;
}

/** JSON path from a list of keys: ['services', 2, 'name'] -> $.services[2].name */
export function jsonPath(keys: ReadonlyArray<PropertyKey>): string {
  let out = '$';
  for (const k of keys) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (typeof k === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)) out += `.${k}`;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}
