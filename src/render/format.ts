/**
 * Output formatting applied to every rendered file, so templates need not be perfect
 * about whitespace: LF line endings, no trailing spaces, runs of blank lines collapsed
 * (outside Markdown code, where they are harmless anyway), exactly one final newline.
 * JSON is re-serialised with two-space indentation.
 */
export function formatFile(path: string, content: string): string {
  let text = content.replace(/\r\n?/g, '\n');
  if (path.endsWith('.json')) {
    try {
      return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
    } catch {
      /* not JSON after all (e.g. a template bug): leave it to the tests to catch */
    }
  }
  text = text
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '');
  return text.endsWith('\n') ? text.replace(/\n+$/, '\n') : `${text}\n`;
}
