/**
 * npm run eval:agent: the architect agent on eight varied systems (see src/agent/eval.ts).
 * Needs ANTHROPIC_API_KEY; without it, says so and exits 0.
 * Options: --model <id|alias>, --no-typecheck (skip generate + install + build), --keep <dir>, --only <id,id>.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { evalMain } = await import(path.join(root, 'dist/src/agent/eval.js'));
process.exitCode = await evalMain(process.argv.slice(2));
