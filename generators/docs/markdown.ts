/**
 * Escaping of plan text for Markdown (GitHub Flavored Markdown). Plan text comes from a
 * person or a language model and is untrusted: it must not open a code fence that swallows
 * the rest of the document, inject HTML (`<script>`), break a table with `|` or a newline,
 * or turn into a heading. Ordinary inline Markdown (`code`, **bold**, links) is kept: the
 * agent may format its prose, and none of it can escape the paragraph or cell it sits in.
 */

/** HTML special characters as entities (GFM renders raw HTML; plan text must not). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Characters that start a block construct at the beginning of a line: ATX headings, quotes,
 * setext underlines and thematic breaks (`=`/`-`/`*`/`_`), list markers, fences.
 */
const BLOCK_START = /^(\s*)([#>=+*_~`-]|\d+[.)])/;

function neutraliseLineStart(line: string): string {
  // Indented code blocks (4+ spaces) would show the text verbatim; leading space is never meaningful here.
  const trimmed = line.replace(/^[ \t]+/, '');
  return trimmed.replace(BLOCK_START, (_m, _sp: string, marker: string) => `\\${marker}`);
}

/** One line of text: whitespace (newlines included) collapsed, HTML escaped, no block construct at its start. */
export function mdInline(text: string | undefined): string {
  const one = String(text ?? '').replace(/\s+/g, ' ').trim();
  return neutraliseLineStart(escapeHtml(one));
}

/** A table cell: one line, and `|` escaped (GFM splits cells before inline parsing, even inside code spans). */
export function mdCell(text: string | undefined): string {
  const cell = mdInline(text).replace(/\|/g, '\\|');
  return cell === '' ? ' ' : cell;
}

/**
 * Multi-line prose (summaries, ADR bodies): paragraphs and bullet lists survive, but no line
 * may open a fence, a heading, a quote, an HTML block or an indented code block.
 */
export function mdBlock(text: string | undefined): string {
  const lines = String(text ?? '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => escapeHtml(l.replace(/\s+$/, '')));
  return lines
    .map((l) => {
      const t = l.replace(/^[ \t]+/, '');
      // Keep simple bullet items ("- x", "* x") as lists; everything else that starts a block is escaped.
      if (/^[-*] \S/.test(t) && !/^([-*])(\s*\1){2,}\s*$/.test(t)) return t;
      return neutraliseLineStart(l);
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Text inside inline code: backticks cannot be escaped there, so they become a look-alike apostrophe. */
export function mdCode(text: string | undefined): string {
  const one = String(text ?? '').replace(/\s+/g, ' ').trim().replace(/`/g, "'");
  return `\`${one.replace(/\|/g, '\\|')}\``;
}

/** A file-name slug for an ADR title: lower-case words joined by hyphens, at most 50 characters. */
export function slug(text: string, fallback = 'decision'): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!s) return fallback;
  if (s.length <= 50) return s;
  const cut = s.slice(0, 50);
  const at = cut.lastIndexOf('-');
  return (at > 20 ? cut.slice(0, at) : cut).replace(/-+$/, '');
}
