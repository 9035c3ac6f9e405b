/**
 * Loading an agent file in the Claude Code subagent format: YAML frontmatter between
 * `---` lines (`name`, `description`, `model`, optional `tools`), then the prompt as
 * markdown. Any such file works, so a team can swap in its own architect persona.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError, jsonPath, type Problem } from '../errors.js';
import { packageRoot } from '../paths.js';

export interface AgentFile {
  /** Where it was read from (for messages and provenance). */
  file: string;
  name: string;
  description: string;
  /** `inherit`, `sonnet`, `opus`, `haiku` or a full model id; `inherit` when absent. */
  model: string;
  tools: string[];
  /** The markdown body: the system prompt. */
  prompt: string;
}

const FrontmatterSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, { message: 'must be kebab-case, e.g. backend-architect' }).max(64),
    description: z.string().min(1).max(2000),
    model: z.string().min(1).max(100).optional(),
    // Claude Code writes tools as a comma-separated string; a YAML list is accepted too.
    tools: z.union([z.string().max(2000), z.array(z.string().min(1).max(100)).max(100)]).optional(),
  })
  // Claude Code subagent files may carry more keys (color, permissionMode, ...); they do not matter here.
  .passthrough();

/** The persona shipped with the package. */
export function defaultPersonaPath(): string {
  return path.join(packageRoot(), 'agents', 'backend-architect.md');
}

export async function loadAgentFile(file: string = defaultPersonaPath()): Promise<AgentFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InputError(file, [{ path: '', message: 'agent file not found or not readable' }], 'cannot read');
  }
  return parseAgentFile(text, file);
}

export function parseAgentFile(text: string, file: string): AgentFile {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const match = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(normalized);
  if (!match) {
    throw new InputError(file, [{ path: '', line: 1, column: 1, message: 'an agent file starts with YAML frontmatter between two "---" lines' }], 'invalid agent file');
  }
  const doc = parseDocument(match[1]!, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new InputError(
      file,
      // +1: the frontmatter starts on the line after the opening "---".
      doc.errors.map((e) => ({ path: '', message: `malformed YAML frontmatter: ${e.message.split('\n')[0]}`, line: (e.linePos?.[0]?.line ?? 0) + 1, column: e.linePos?.[0]?.col })),
      'invalid agent file',
    );
  }
  const parsed = FrontmatterSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
    throw new InputError(file, problems, 'invalid agent frontmatter');
  }
  const prompt = normalized.slice(match[0].length).trim();
  if (!prompt) throw new InputError(file, [{ path: '', message: 'the agent file has no prompt after its frontmatter' }], 'invalid agent file');
  const fm = parsed.data;
  const tools = Array.isArray(fm.tools) ? fm.tools : (fm.tools ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  return { file, name: fm.name, description: fm.description, model: fm.model ?? 'inherit', tools, prompt };
}
