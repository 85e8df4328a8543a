/**
 * The ES module → CommonJS pass for the simple cells that are most cells, without a compiler run.
 *
 * tslab's converter emits each cell as an ES module and turns it into CommonJS with
 * `ts.transpileModule`, which builds a program and a type checker for every cell: 35-45% of a
 * trivial cell's time. A cell whose module only exports names declared with `const`, `class` or
 * `function` (no imports, no `let`/`var` exports, whose assignments TypeScript would have to
 * rewrite) turns into CommonJS by moving the exports after their declarations, as TypeScript does.
 * Anything else returns undefined, and the caller runs `transpileModule` as before.
 */

/** The parts of the TypeScript API used here. */
export interface TsApi {
  createSourceFile(fileName: string, text: string, target: number, setParentNodes?: boolean): SourceFileLike;
  ScriptTarget: { Latest: number };
  SyntaxKind: Record<string, number>;
  NodeFlags: { Const: number; Let: number };
}
interface NodeLike {
  kind: number;
  pos: number;
  end: number;
  getStart(sf?: SourceFileLike): number;
}
interface SourceFileLike extends NodeLike {
  statements: ReadonlyArray<StatementLike>;
  getLineAndCharacterOfPosition(pos: number): { line: number; character: number };
}
interface StatementLike extends NodeLike {
  modifiers?: ReadonlyArray<NodeLike>;
  name?: NodeLike & { text?: string };
  declarationList?: NodeLike & { flags: number; declarations: ReadonlyArray<NodeLike & { name: NodeLike & { text?: string }; initializer?: NodeLike }> };
  exportClause?: NodeLike & { elements?: ReadonlyArray<NodeLike & { name: { text: string }; propertyName?: unknown; isTypeOnly?: boolean }> };
  moduleSpecifier?: unknown;
  isTypeOnly?: boolean;
}

/** Where a line of the CommonJS output came from: a line of the ES module, and how far its columns moved. */
export interface LineOrigin {
  line: number;
  /** CommonJS column = ES module column + shift */
  shift: number;
}

export interface FastCommonJs {
  output: string;
  /** for each output line, its origin, or undefined for a line this pass added */
  lines: Array<LineOrigin | undefined>;
}

/**
 * The CommonJS form of a simple ES module, or undefined when it is not simple (see the file comment).
 * @example
 * fastCommonJs(ts, "const a = 1;\nexport { a };\n")!.output;
 * // 'Object.defineProperty(exports, "__esModule", { value: true });\nexports.a = void 0;\nconst a = 1;\nexports.a = a;\n'
 */
export function fastCommonJs(ts: TsApi, esm: string): FastCommonJs | undefined {
  const code = esm.replace(/\/\/# sourceMappingURL=\S*\s*$/, "");
  // Whatever TypeScript's CommonJS transform would rewrite inside statements: imports (static,
  // dynamic, import.meta), the CommonJS names themselves, and top-level `this`.
  if (/\bimport\b|\brequire\b|\bexports\b|\bmodule\b|\bthis\b|\b__esModule\b/.test(code)) return undefined;
  const K = ts.SyntaxKind;
  const sf = ts.createSourceFile("custom.js", code, ts.ScriptTarget.Latest, false);
  const constNames = new Set<string>();
  const hoistable = new Set<string>();
  const exported: string[] = [];
  const valueExports = new Map<number, string>();
  /** every exported name in source order: TypeScript's `exports.x = exports.y = void 0` creates them in this order */
  const order: string[] = [];
  for (const st of sf.statements) {
    const isExport = (st.modifiers ?? []).some((m) => m.kind === K.ExportKeyword);
    if (st.kind === K.ExportDeclaration) {
      if (st.moduleSpecifier !== undefined || st.isTypeOnly) return undefined;
      for (const el of st.exportClause?.elements ?? []) {
        if (el.propertyName !== undefined || el.isTypeOnly) return undefined;
        exported.push(el.name.text);
        order.push(el.name.text);
      }
      continue;
    }
    if (st.kind === K.VariableStatement && st.declarationList) {
      const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
      const decls = st.declarationList.declarations;
      if (isExport) {
        // `export const NAME = value;`, NAME used nowhere else (tslab's last-expression variable)
        const d = decls[0];
        const name = d?.name.text;
        if (!isConst || decls.length !== 1 || !name || !d.initializer) return undefined;
        if (code.split(new RegExp(`\\b${name.replace(/\$/g, "\\$")}\\b`)).length !== 2) return undefined;
        valueExports.set(st.getStart(sf), name);
        order.push(name);
        continue;
      }
      for (const d of decls) {
        if (d.name.text === undefined) continue; // destructuring: only names that are exported matter
        if (isConst) constNames.add(d.name.text);
      }
      continue;
    }
    if (isExport) return undefined;
    if ((st.kind === K.FunctionDeclaration || st.kind === K.ClassDeclaration) && st.name?.text) hoistable.add(st.name.text);
  }
  for (const name of exported) if (!constNames.has(name) && !hoistable.has(name)) return undefined;

  // Each exported name goes out right after the statement that declares it, as TypeScript emits it.
  const after = new Map<StatementLike, string[]>();
  const declaredBy = (st: StatementLike): string[] => {
    if (st.kind === K.VariableStatement && st.declarationList) return st.declarationList.declarations.map((d) => d.name.text ?? "");
    if (st.kind === K.FunctionDeclaration || st.kind === K.ClassDeclaration) return [st.name?.text ?? ""];
    return [];
  };
  const pending = new Set(exported);
  for (const st of sf.statements) {
    const names = declaredBy(st).filter((n) => pending.has(n));
    for (const n of names) pending.delete(n);
    if (names.length > 0) after.set(st, names);
  }
  if (pending.size > 0) return undefined;

  const all = [...order].reverse();
  const out: string[] = ['Object.defineProperty(exports, "__esModule", { value: true });'];
  const lines: Array<LineOrigin | undefined> = [undefined];
  if (all.length > 0) {
    out.push(all.map((n) => `exports.${n}`).join(" = ") + " = void 0;");
    lines.push(undefined);
  }
  const emit = (text: string, start: number, shift: number) => {
    const first = sf.getLineAndCharacterOfPosition(start).line;
    text.split("\n").forEach((l, i) => {
      out.push(l);
      lines.push({ line: first + i, shift: i === 0 ? shift : 0 });
    });
  };
  for (const st of sf.statements) {
    if (st.kind === K.ExportDeclaration) continue;
    const start = st.getStart(sf);
    const text = code.slice(start, st.end);
    const name = valueExports.get(start);
    if (name !== undefined) {
      const d = st.declarationList!.declarations[0];
      const init = d.initializer!.getStart(sf);
      const head = `exports.${name} = `;
      const startCol = sf.getLineAndCharacterOfPosition(init).character;
      const initLine = sf.getLineAndCharacterOfPosition(init).line;
      if (initLine !== sf.getLineAndCharacterOfPosition(start).line) return undefined;
      emit(head + code.slice(init, st.end), init, head.length - startCol);
      continue;
    }
    emit(text, start, 0);
    for (const n of after.get(st) ?? []) {
      out.push(`exports.${n} = ${n};`);
      lines.push(undefined);
    }
  }
  return { output: out.join("\n") + "\n", lines };
}
