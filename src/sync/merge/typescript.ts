/**
 * TypeScript merged by top-level symbol with ts-morph (loaded lazily: ~250 ms to import,
 * and a no-op sync never needs it).
 *
 * Generated files (mergeTypeScript): every top-level statement is keyed (import by module,
 * declaration by kind and name, anything else by position) and merged three-way as a unit;
 * a statement both sides changed goes through diff3, and only if that conflicts does it
 * get markers, around that statement alone.
 *
 * Scaffolded files, the handlers (mergeHandlers): the user's. The tool only adds: a
 * declaration the new render has and the file lacks is appended, with the imports it
 * needs; a function whose operation disappeared (in the base, not in the render) gets a
 * `@deprecated` note and is reported. Existing code keeps every byte: edits are text
 * splices at positions ts-morph reports, never a reprint.
 */
import type { ImportDeclaration, Project, SourceFile, Statement } from 'ts-morph';
import { mergeText } from './text.js';
import { MARK_END, MARK_MID, MARK_START, type MergeOutcome } from './types.js';

type TsMorph = typeof import('ts-morph');
let loaded: { tsm: TsMorph; project: Project } | undefined;

async function tsMorph(): Promise<{ tsm: TsMorph; project: Project }> {
  if (!loaded) {
    const tsm = await import('ts-morph');
    loaded = { tsm, project: new tsm.Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: true } }) };
  }
  return loaded;
}

let fileSeq = 0;
async function parse(text: string, ext: string): Promise<{ sf: SourceFile; tsm: TsMorph; ok: boolean }> {
  const { tsm, project } = await tsMorph();
  const sf = project.createSourceFile(`/merge-${fileSeq++ % 8}${ext}`, text, { overwrite: true });
  const diagnostics = (sf.compilerNode as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? [];
  return { sf, tsm, ok: diagnostics.length === 0 };
}

function extOf(path: string): string {
  const m = /\.(tsx|mts|cts|ts)$/.exec(path);
  return m ? `.${m[1]}` : '.ts';
}

/** Names a statement declares at the top level (empty for expressions and the like). */
function declaredNames(tsm: TsMorph, s: Statement): string[] {
  const { Node } = tsm;
  if (Node.isVariableStatement(s)) return s.getDeclarations().flatMap((d) => bindingNames(tsm, d.getNameNode()));
  if (
    Node.isFunctionDeclaration(s) ||
    Node.isClassDeclaration(s) ||
    Node.isInterfaceDeclaration(s) ||
    Node.isTypeAliasDeclaration(s) ||
    Node.isEnumDeclaration(s) ||
    Node.isModuleDeclaration(s)
  ) {
    const name = s.getName();
    return name ? [name] : [];
  }
  return [];
}

function bindingNames(tsm: TsMorph, n: import('ts-morph').Node): string[] {
  const { Node } = tsm;
  if (Node.isIdentifier(n)) return [n.getText()];
  if (Node.isObjectBindingPattern(n) || Node.isArrayBindingPattern(n)) {
    return n.getElements().flatMap((e) => (Node.isBindingElement(e) ? bindingNames(tsm, e.getNameNode()) : []));
  }
  return [];
}

interface Unit {
  key: string;
  /** Full text including leading trivia (comments, blank lines). */
  text: string;
  node: Statement;
}

function statementKey(tsm: TsMorph, s: Statement, unnamed: { n: number }): string {
  const { Node } = tsm;
  if (Node.isImportDeclaration(s)) return `import:${s.isTypeOnly() ? 'type:' : ''}${s.getModuleSpecifierValue()}`;
  if (Node.isExportDeclaration(s)) return `export-from:${s.getModuleSpecifierValue() ?? `#${unnamed.n++}`}`;
  if (Node.isExportAssignment(s)) return 'export-default';
  const names = declaredNames(tsm, s);
  if (names.length) return `${s.getKindName()}:${names.join(',')}`;
  return `stmt#${unnamed.n++}`;
}

function unitsOf(tsm: TsMorph, sf: SourceFile): { units: Unit[]; tail: string } {
  const unnamed = { n: 0 };
  const seen = new Map<string, number>();
  const units = sf.getStatements().map((s) => {
    let key = statementKey(tsm, s, unnamed);
    // Overloads and repeated keys: number them in order so each keeps an identity.
    const count = seen.get(key) ?? 0;
    seen.set(key, count + 1);
    if (count) key = `${key}#${count}`;
    return { key, text: s.getFullText(), node: s };
  });
  const last = sf.getStatements().at(-1);
  return { units, tail: sf.getFullText().slice(last ? last.getEnd() : 0) };
}

function namedImports(tsm: TsMorph, s: Statement): string[] | undefined {
  return tsm.Node.isImportDeclaration(s) ? s.getNamedImports().map((n) => n.getText()) : undefined;
}

/** Both sides changed one import: merge its named bindings as sets. */
function mergeImport(tsm: TsMorph, b: Unit | undefined, y: Unit, g: Unit): string | undefined {
  const bn = b ? namedImports(tsm, b.node) : [];
  const yn = namedImports(tsm, y.node);
  const gn = namedImports(tsm, g.node);
  const decl = y.node as ImportDeclaration;
  const bindings = decl.getImportClause()?.getNamedBindings();
  if (!bn || !yn || !gn || decl.getNamespaceImport() || !bindings) return undefined;
  const names = [...yn.filter((n) => !(bn.includes(n) && !gn.includes(n))), ...gn.filter((n) => !bn.includes(n) && !yn.includes(n))];
  const start = bindings.getStart() - decl.getFullStart();
  const end = bindings.getEnd() - decl.getFullStart();
  return `${y.text.slice(0, start)}{ ${names.join(', ')} }${y.text.slice(end)}`;
}

function conflictBlock(yours: string | undefined, generated: string | undefined): string {
  const lead = (yours ?? generated ?? '').match(/^\s*/)![0];
  const strip = (t: string | undefined) => (t === undefined ? '' : `${t.replace(/^\s*\n/, '').replace(/\n*$/, '')}\n`);
  return `${lead.includes('\n') ? lead.slice(0, lead.lastIndexOf('\n') + 1) : '\n'}${MARK_START}\n${strip(yours)}${MARK_MID}\n${strip(generated)}${MARK_END}`;
}

export async function mergeTypeScript(path: string, base: string, yours: string, generated: string): Promise<MergeOutcome> {
  const ext = extOf(path);
  const [pb, py, pg] = [await parse(base, ext), await parse(yours, ext), await parse(generated, ext)];
  const tsm = py.tsm;
  if (!pb.ok || !py.ok || !pg.ok) {
    const text = mergeText(base, yours, generated);
    return { ...text, notes: [...text.notes, 'does not parse as TypeScript on one side: merged line by line'] };
  }
  const B = unitsOf(tsm, pb.sf);
  const Y = unitsOf(tsm, py.sf);
  const G = unitsOf(tsm, pg.sf);
  const bm = new Map(B.units.map((u) => [u.key, u]));
  const ym = new Map(Y.units.map((u) => [u.key, u]));
  const gm = new Map(G.units.map((u) => [u.key, u]));

  let conflict = false;
  const conflicted: string[] = [];
  const resolve = (key: string): string | undefined => {
    const b = bm.get(key);
    const y = ym.get(key);
    const g = gm.get(key);
    const bt = b?.text;
    const yt = y?.text;
    const gt = g?.text;
    if (yt === gt) return yt;
    if (yt === bt) return gt;
    if (gt === bt) return yt;
    if (y && g) {
      if (key.startsWith('import:')) {
        const merged = mergeImport(tsm, b, y, g);
        if (merged !== undefined) return merged;
      }
      const text = mergeText(bt ?? '', yt!, gt!);
      if (!text.conflict) return text.content;
    }
    conflict = true;
    conflicted.push(key.replace(/^[A-Za-z]+:/, ''));
    return conflictBlock(yt, gt);
  };

  // The user's order; new statements go right after the statement that precedes them in the render.
  const out: { key: string; text: string }[] = [];
  for (const u of Y.units) {
    const t = resolve(u.key);
    if (t !== undefined) out.push({ key: u.key, text: t });
  }
  let prev: string | undefined;
  for (const u of G.units) {
    if (!ym.has(u.key)) {
      const t = resolve(u.key);
      if (t !== undefined) {
        const at = prev === undefined ? -1 : out.findIndex((o) => o.key === prev);
        const lastImport = out.reduce((acc, o, i) => (o.key.startsWith('import:') ? i : acc), -1);
        const pos = at >= 0 ? at + 1 : u.key.startsWith('import:') ? lastImport + 1 : out.length;
        out.splice(pos, 0, { key: u.key, text: pos === 0 && !/^\s*\n/.test(t) ? t : t.startsWith('\n') ? t : `\n${t}` });
      }
    }
    prev = u.key;
  }
  const tail = Y.tail === B.tail ? G.tail : Y.tail;
  let content = out.map((o) => o.text).join('') + tail;
  if (!content.endsWith('\n')) content += '\n';
  content = content.replace(/^\n+/, '');
  const notes = conflicted.length ? [`both you and the generator changed: ${conflicted.join(', ')}`] : [];
  return { content, conflict, notes };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const DEPRECATION_NOTE = '@deprecated Its operation is no longer in openapi.yaml, so nothing routes to it. Kept because you own this file: delete it when you no longer need it.';

export const STAND_IN_NOTE = '@deprecated Stand-in for a type whose operation left openapi.yaml; delete it with the handler that uses it.';

/** Additive merge for scaffolded TypeScript (handlers); never a conflict, never a deletion. */
export async function mergeHandlers(path: string, base: string, yours: string, generated: string): Promise<MergeOutcome> {
  const ext = extOf(path);
  const [pb, py, pg] = [await parse(base, ext), await parse(yours, ext), await parse(generated, ext)];
  const tsm = py.tsm;
  const { Node } = tsm;
  if (!py.ok || !pg.ok) {
    // Their file does not parse (work in progress?): touch nothing, say why.
    return { content: yours, conflict: false, notes: ['does not parse as TypeScript: left as is; new handlers were not added (sync again once it parses)'] };
  }
  const yStatements = py.sf.getStatements();
  const yNames = new Set<string>();
  for (const s of yStatements) for (const n of declaredNames(tsm, s)) yNames.add(n);
  const importedNames = new Set<string>();
  for (const s of yStatements) {
    if (!Node.isImportDeclaration(s)) continue;
    const def = s.getDefaultImport();
    if (def) importedNames.add(def.getText());
    const ns = s.getNamespaceImport();
    if (ns) importedNames.add(ns.getText());
    for (const n of s.getNamedImports()) importedNames.add((n.getAliasNode() ?? n.getNameNode()).getText());
  }
  const gNames = new Set<string>();
  for (const s of pg.sf.getStatements()) for (const n of declaredNames(tsm, s)) gNames.add(n);

  const notes: string[] = [];
  const edits: { pos: number; remove?: number; text: string }[] = [];

  // 1. Declarations the render has and the file lacks: appended at the end, JSDoc included.
  const additions: string[] = [];
  const added: string[] = [];
  // Re-exports (`export * from './x.js'`, an index of handler files) count as declarations too.
  const reexport = (s: Statement) => (Node.isExportDeclaration(s) && s.getModuleSpecifierValue() ? `export-from:${s.getModuleSpecifierValue()}` : undefined);
  const yReexports = new Set(yStatements.map(reexport).filter((k): k is string => k !== undefined));
  for (const s of pg.sf.getStatements()) {
    const key = reexport(s);
    if (key && !yReexports.has(key)) {
      additions.push(s.getFullText().replace(/^\s*\n/, ''));
      added.push(key.slice('export-from:'.length));
      continue;
    }
    const names = declaredNames(tsm, s);
    if (!names.length || names.some((n) => yNames.has(n) || importedNames.has(n))) continue;
    additions.push(s.getFullText().replace(/^\s*\n/, ''));
    added.push(...names);
  }
  if (added.length) notes.push(`added ${added.join(', ')}`);

  // 2. Imports those additions use and the file lacks.
  const addedText = additions.join('\n');
  const uses = (name: string) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(addedText);
  const newImports: string[] = [];
  for (const gi of pg.sf.getImportDeclarations()) {
    const wanted = gi.getNamedImports().filter((n) => {
      const local = (n.getAliasNode() ?? n.getNameNode()).getText();
      return !importedNames.has(local) && !yNames.has(local) && uses(local);
    });
    const def = gi.getDefaultImport();
    const wantDefault = def && !importedNames.has(def.getText()) && uses(def.getText());
    if (!wanted.length && !wantDefault) continue;
    // A separate import line, even when the module is already imported: the user's own
    // lines stay exactly as they wrote them.
    const typeOnly = gi.isTypeOnly() ? 'type ' : '';
    const clause = [wantDefault ? def!.getText() : '', wanted.length ? `{ ${wanted.map((n) => n.getText()).join(', ')} }` : ''].filter(Boolean).join(', ');
    newImports.push(`import ${typeOnly}${clause} from ${gi.getModuleSpecifier().getText()};`);
    for (const n of wanted) importedNames.add((n.getAliasNode() ?? n.getNameNode()).getText());
  }

  // 3. Types of operations that left the spec. The generator imported them (they are in
  // the base's type imports, not in the new render's), so they no longer exist: the
  // import is narrowed, and where the file still uses a name (a deprecated handler does)
  // a local `any` stand-in keeps it compiling. When the operation comes back, the
  // stand-in goes and the import returns. Only type imports the generator wrote are
  // touched; values and the user's own imports never are.
  const typeImports = (sf: SourceFile) => {
    const out = new Map<string, Set<string>>();
    for (const d of sf.getImportDeclarations()) {
      for (const n of d.getNamedImports()) {
        if (!(d.isTypeOnly() || n.isTypeOnly()) || n.getAliasNode()) continue;
        const m = d.getModuleSpecifierValue();
        if (!out.has(m)) out.set(m, new Set());
        out.get(m)!.add(n.getName());
      }
    }
    return out;
  };
  const bTypes = pb.ok ? typeImports(pb.sf) : new Map<string, Set<string>>();
  const gTypes = typeImports(pg.sf);
  const codeText = yStatements.filter((s) => !Node.isImportDeclaration(s)).map((s) => s.getText()).join('\n');
  const referenced = (name: string) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(codeText);
  const standInsAdded: string[] = [];
  for (const d of py.sf.getImportDeclarations()) {
    const m = d.getModuleSpecifierValue();
    const gone = d.getNamedImports().filter((n) => (d.isTypeOnly() || n.isTypeOnly()) && !n.getAliasNode() && bTypes.get(m)?.has(n.getName()) && !gTypes.get(m)?.has(n.getName()));
    if (!gone.length) continue;
    const kept = d.getNamedImports().filter((n) => !gone.includes(n));
    const bindings = d.getImportClause()?.getNamedBindings();
    if (!kept.length && !d.getDefaultImport()) edits.push({ pos: d.getStart(), remove: d.getEnd() - d.getStart(), text: '' });
    else if (bindings) {
      // Same layout as theirs: one name per line stays one name per line.
      const original = bindings.getText();
      const indent = /\n([ \t]+)\S/.exec(original)?.[1];
      const names = kept.map((n) => n.getText());
      const text = indent ? `{\n${names.map((n) => `${indent}${n},`).join('\n')}\n}` : `{ ${names.join(', ')} }`;
      edits.push({ pos: bindings.getStart(), remove: bindings.getEnd() - bindings.getStart(), text });
    }
    for (const n of gone) {
      const name = n.getName();
      if (referenced(name) && !yNames.has(name)) {
        newImports.push(`/** ${STAND_IN_NOTE} */\ntype ${name} = any; // eslint-disable-line @typescript-eslint/no-explicit-any`);
        standInsAdded.push(name);
      }
    }
  }
  if (standInsAdded.length) notes.push(`types of removed operations replaced by stand-ins: ${standInsAdded.join(', ')}`);
  const returning = new Map<string, string[]>();
  for (const s of yStatements) {
    if (!Node.isTypeAliasDeclaration(s) || !s.getJsDocs().some((d) => d.getText().includes(STAND_IN_NOTE))) continue;
    const name = s.getName();
    const module = [...gTypes].find(([, names]) => names.has(name))?.[0];
    if (module === undefined || importedNames.has(name)) continue;
    const start = s.getStart(true);
    const end = s.getEnd() + (/^[^\n]*\n/.exec(yours.slice(s.getEnd()))?.[0].length ?? 0);
    edits.push({ pos: start, remove: end - start, text: '' });
    returning.set(module, [...(returning.get(module) ?? []), name]);
  }
  for (const [module, names] of returning) newImports.push(`import type { ${names.join(', ')} } from ${JSON.stringify(module).replace(/^"|"$/g, "'")};`);

  if (newImports.length) {
    const lastImport = py.sf.getImportDeclarations().at(-1);
    if (lastImport) edits.push({ pos: lastImport.getEnd(), text: `\n${newImports.join('\n')}` });
    else edits.push({ pos: 0, text: `${newImports.join('\n')}\n\n` });
  }

  // 4. Functions whose operation disappeared: in the base, in the file, not in the render.
  const bNames = new Set<string>();
  if (pb.ok) for (const s of pb.sf.getStatements()) for (const n of declaredNames(tsm, s)) bNames.add(n);
  const deprecated: string[] = [];
  for (const s of yStatements) {
    const names = declaredNames(tsm, s);
    if (!names.length || !(Node.isFunctionDeclaration(s) || Node.isVariableStatement(s))) continue;
    const docs = s.getJsDocs();
    const marked = docs.some((d) => d.getText().includes(DEPRECATION_NOTE));
    const gone = names.every((n) => bNames.has(n) && !gNames.has(n));
    if (gone && !marked) {
      deprecated.push(...names);
      const lastDoc = docs.at(-1);
      if (lastDoc) {
        // A tag line inside their JSDoc, just before the closing `*/` (a one-line JSDoc
        // becomes three lines: tags are only recognised at the start of a line).
        const end = lastDoc.getEnd() - 2;
        const before = yours.slice(lastDoc.getStart(), end);
        if (before.includes('\n')) edits.push({ pos: end, text: `* ${DEPRECATION_NOTE}\n ` });
        else edits.push({ pos: lastDoc.getStart() + before.trimEnd().length, text: `\n * ${DEPRECATION_NOTE}\n` });
      } else {
        edits.push({ pos: s.getStart(), text: `/** ${DEPRECATION_NOTE} */\n` });
      }
    } else if (marked && names.some((n) => gNames.has(n))) {
      // The operation came back: take our note away again (theirs is never touched).
      for (const d of docs) {
        const text = d.getText();
        const at = text.indexOf(DEPRECATION_NOTE);
        if (at < 0) continue;
        const oneLiner = new RegExp(`^/\\*\\*([^\\n]*)\\n \\* ${escapeRegExp(DEPRECATION_NOTE)}\\n \\*/$`).exec(text);
        if (text === `/** ${DEPRECATION_NOTE} */`) {
          const after = yours.slice(d.getEnd(), d.getEnd() + 1) === '\n' ? 1 : 0;
          edits.push({ pos: d.getStart(), remove: d.getEnd() - d.getStart() + after, text: '' });
        } else if (oneLiner) {
          edits.push({ pos: d.getStart(), remove: text.length, text: `/**${oneLiner[1]} */` });
        } else {
          const lineStart = yours.lastIndexOf('\n', d.getStart() + at) + 1;
          const lineEnd = yours.indexOf('\n', d.getStart() + at);
          const line = yours.slice(lineStart, lineEnd);
          if (line.trim() === `* ${DEPRECATION_NOTE}`) edits.push({ pos: lineStart, remove: lineEnd - lineStart + 1, text: '' });
          else edits.push({ pos: d.getStart() + at, remove: DEPRECATION_NOTE.length, text: '' });
        }
        notes.push(`${names.join(', ')}: operation is back; @deprecated note removed`);
      }
    }
  }
  if (deprecated.length) notes.push(`operation removed from the spec: ${deprecated.join(', ')} kept and marked @deprecated (never deleted)`);

  let content = yours;
  for (const e of edits.sort((a, b) => b.pos - a.pos)) content = content.slice(0, e.pos) + e.text + content.slice(e.pos + (e.remove ?? 0));
  if (additions.length) {
    content = content.replace(/\n*$/, '\n');
    content += `\n${additions.join('\n\n')}\n`;
  }
  return { content, conflict: false, notes };
}
