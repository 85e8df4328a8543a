// kernel/src/cjs.ts against TypeScript's own CommonJS pass (the transpileModule call tslab makes):
// each module is run both ways and must leave the same exports, throw the same error at the same
// point, and map every output line back to the module line it came from.
import { describe, expect, it } from "@jest/globals";
import * as Module from "module";
import { fastCommonJs, TsApi } from "../kernel/src/cjs";

const tslabRequire = Module.createRequire(require.resolve("tslab/dist/converter"));
const ts = tslabRequire("@tslab/typescript-for-tslab") as TsApi & {
  transpileModule(input: string, options: { fileName: string; compilerOptions: Record<string, unknown> }): { outputText: string };
  ModuleKind: { CommonJS: number };
  ScriptTarget: { ES2022: number; Latest: number };
};

function typescriptPass(esm: string): string {
  return ts.transpileModule(esm, {
    fileName: "custom.js",
    compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true, target: ts.ScriptTarget.ES2022, noImplicitUseStrict: true },
  }).outputText;
}

/** Runs CommonJS code; returns its exports (as JSON, functions as their source) and the error it threw. */
function run(code: string): { exports: string; error?: string; log: unknown[] } {
  const exports: Record<string, unknown> = {};
  const log: unknown[] = [];
  let error: string | undefined;
  try {
    new Function("exports", "log", code)(exports, (v: unknown) => log.push(v));
  } catch (e) {
    error = String(e);
  }
  const shown = Object.fromEntries(Object.entries(exports).map(([k, v]) => [k, typeof v === "function" ? `function ${v.name}` : v]));
  return { exports: JSON.stringify(shown), error, log };
}

const simple: Record<string, string> = {
  "a last expression": "export const tsLastExpr = 1 + 2;\nexport {};\n",
  "consts and the last expression": "const a = 1;\nconst b = a * 2, c = [a, b];\nexport const tsLastExpr = c;\nexport { a, b, c };\n",
  "functions and classes": "function f(x) { return x + 1; }\nclass P {\n  constructor(x) { log(x); }\n}\nconst p = new P(f(1));\nexport { f, P, p };\n",
  "a statement that throws midway": "const a = 1;\nlog(a);\nconst b = (() => { throw new Error('boom'); })();\nconst c = 3;\nexport { a, b, c };\n",
  "loops, unexported lets and blocks": "let s = 0;\nfor (let i = 0; i < 4; i++) {\n  s += i;\n}\nlog(s);\n",
  "a multi-line last expression": "const o = { x: 1 };\nexport const tsLastExpr = {\n  y: o.x + 1,\n};\nexport { o };\n",
  "a source map comment": "const a = 5;\nexport { a };\n//# sourceMappingURL=data:application/json;base64,e30=\n",
};

const notSimple: Record<string, string> = {
  "an exported let (assignments would need rewriting)": "let b = 2;\nb = 3;\nexport { b };\n",
  "an import": 'import * as fs from "fs";\nconst e = fs.existsSync("/");\nexport { fs, e };\n',
  "a dynamic import": 'const m = import("fs");\nexport { m };\n',
  "a renamed export": "const a = 1;\nexport { a as b };\n",
  "a re-export": 'export { x } from "./y";\n',
  "an exported destructuring": "const { p, q } = { p: 1, q: 2 };\nexport { p, q };\n",
  "top-level this": "const t = this;\nexport { t };\n",
  "a name TypeScript's pass would rewrite": "const v = 1;\nexport const tsLastExpr = v;\nexport { v };\nlog(tsLastExpr);\n",
};

describe("fastCommonJs", () => {
  for (const [what, esm] of Object.entries(simple)) {
    it(`runs like TypeScript's CommonJS pass: ${what}`, () => {
      const fast = fastCommonJs(ts, esm);
      expect(fast).toBeDefined();
      expect(run(fast!.output)).toEqual(run(typescriptPass(esm)));
      // every line that came from the module is that line, its columns moved by the recorded shift
      const esmLines = esm.split("\n");
      const outLines = fast!.output.split("\n");
      fast!.lines.forEach((origin, i) => {
        if (!origin) return;
        const src = esmLines[origin.line];
        const out = outLines[i];
        if (origin.shift === 0) {
          expect(src.endsWith(out)).toBe(true);
        } else {
          // "exports.NAME = value" from "export const NAME = value": the value keeps its text
          expect(src.length - out.length).toBe(-origin.shift);
          expect(src.endsWith(out.slice(out.indexOf(" = ") + 3))).toBe(true);
        }
      });
    });
  }

  for (const [what, esm] of Object.entries(notSimple)) {
    it(`leaves ${what} to TypeScript`, () => {
      expect(fastCommonJs(ts, esm)).toBeUndefined();
    });
  }

  it("maps the line of a thrown error back to the module", () => {
    const esm = simple["a statement that throws midway"];
    const fast = fastCommonJs(ts, esm)!;
    const at = fast.output.split("\n").findIndex((l) => l.includes("throw new Error"));
    expect(fast.lines[at]).toEqual({ line: 2, shift: 0 });
    const shifted = fastCommonJs(ts, simple["a multi-line last expression"])!;
    const head = shifted.output.split("\n").findIndex((l) => l.startsWith("exports.tsLastExpr = {"));
    // "export const tsLastExpr = {" has its "{" at column 26; "exports.tsLastExpr = {" at 21
    expect(shifted.lines[head]).toEqual({ line: 1, shift: 21 - 26 });
  });
});
