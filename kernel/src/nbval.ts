/**
 * nbval-style comparison of a notebook's stored outputs with a fresh run's.
 *
 * Per code cell, by its tags:
 *   nbval-skip           not run (runNotebooks' skipTagged) and not compared
 *   nbval-ignore-output  run; outputs not compared (an error still fails)
 *   raises-exception     must raise; outputs compared
 *   (none)               any error fails; outputs compared
 *
 * Outputs are compared as nbval does: stream text merged per name (stdout,
 * stderr), then the other outputs in order, each MIME type by its policy:
 *   text      strings equal after sanitizing (text/*, image/svg+xml, application/javascript)
 *   json      deep-equal after sanitizing every string inside (application/json, application/*+json)
 *   presence  both sides have it (raster images: their bytes change with the rasterizer and
 *             zlib versions while the chart behind them is compared through its SVG or spec)
 *   ignore    not compared, and not required
 * Error outputs compare ename and evalue, not the traceback (it holds paths and positions).
 * The sanitizer rules (notebooks/sanitize.json) are applied to both sides.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CodeCell, MimeData, Notebook, Output, cellTags, joinText } from "./notebook";

/** One rule of a sanitizer file. */
export interface SanitizeRule {
  /** a JavaScript regular expression; {{repo}}, {{tmp}} and {{home}} stand for those paths */
  regex: string;
  replace: string;
  /** why the difference it hides does not matter */
  why: string;
}
export interface Sanitizer {
  pattern: RegExp;
  replace: string;
  why: string;
}
/** The paths that {{name}} placeholders in rules stand for. */
export interface SanitizeVars {
  repo: string;
  tmp: string;
  home: string;
}
export type MimePolicy = "text" | "json" | "presence" | "ignore";

export const SKIP_TAG = "nbval-skip";
export const IGNORE_OUTPUT_TAG = "nbval-ignore-output";
export const RAISES_TAG = "raises-exception";

/**
 * Reads a sanitizer file (a JSON list of {regex, replace, why}); errors name the file and the rule.
 * Placeholders default to: repo = the directory above the file's, tmp = os.tmpdir(), home = os.homedir().
 *
 * @example
 * const rules = loadSanitizers("notebooks/sanitize.json");
 */
export function loadSanitizers(file: string, vars?: Partial<SanitizeVars>): Sanitizer[] {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: cannot read the sanitizer rules (${(e as Error).message}); expected a JSON list of {"regex", "replace", "why"}`);
  }
  const all: SanitizeVars = { repo: path.resolve(path.dirname(file), ".."), tmp: os.tmpdir(), home: os.homedir(), ...vars };
  return compileSanitizers(raw, all, file);
}

/**
 * Checks and compiles sanitizer rules; `origin` names them in errors. A rule whose
 * placeholder stands for "/" or "" is dropped: it would rewrite every path.
 *
 * @example
 * const rules = compileSanitizers([{ regex: "0x[0-9a-f]+", replace: "0x?", why: "addresses" }], vars, "inline");
 */
export function compileSanitizers(raw: unknown, vars: SanitizeVars, origin: string): Sanitizer[] {
  if (!Array.isArray(raw)) throw new Error(`${origin}: expected a JSON list of {"regex", "replace", "why"} rules`);
  const out: Sanitizer[] = [];
  raw.forEach((r: unknown, i) => {
    const rule = r as Partial<SanitizeRule> | null;
    const where = `${origin}: rule ${i + 1}`;
    if (!rule || typeof rule.regex !== "string" || typeof rule.replace !== "string" || typeof rule.why !== "string" || rule.why.trim() === "") {
      throw new Error(`${where}: expected {"regex": string, "replace": string, "why": non-empty string}, got ${JSON.stringify(r)}`);
    }
    let usable = true;
    const source = rule.regex.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      if (!(name in vars)) throw new Error(`${where}: unknown placeholder {{${name}}}; known: {{repo}}, {{tmp}}, {{home}}`);
      const value = vars[name as keyof SanitizeVars].replace(/[\\/]+$/, "");
      if (value.length < 2) usable = false;
      return value.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    });
    if (!usable) return;
    try {
      out.push({ pattern: new RegExp(source, "g"), replace: rule.replace, why: rule.why });
    } catch (e) {
      throw new Error(`${where}: invalid regular expression ${JSON.stringify(rule.regex)} (${(e as Error).message})`);
    }
  });
  return out;
}

/**
 * Applies every rule, in order, to `text`.
 *
 * @example
 * sanitize("took 12.5 ms", rules); // "took <time>"
 */
export function sanitize(text: string, rules: Sanitizer[]): string {
  return rules.reduce((t, r) => t.replace(r.pattern, r.replace), text);
}

/**
 * How a MIME type is compared: `overrides` first, then the defaults described above.
 *
 * @example
 * mimePolicy("image/png"); // "presence"
 */
export function mimePolicy(mime: string, overrides: Record<string, MimePolicy> = {}): MimePolicy {
  if (overrides[mime]) return overrides[mime];
  if (mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"))) return "json";
  if (mime.startsWith("image/") && mime !== "image/svg+xml") return "presence";
  return "text";
}

export interface CompareOptions {
  sanitizers?: Sanitizer[];
  /** per-MIME-type policy, over the defaults */
  mimePolicy?: Record<string, MimePolicy>;
  /** numbers of the cells the fresh run executed (runNotebooks' result.executed); others then fail as not run */
  executed?: number[];
}

export interface CellProblem {
  message: string;
  mime?: string;
  expected?: string;
  got?: string;
}
export interface CellComparison {
  /** cells are numbered from 1, markdown included */
  cell: number;
  /** the first line of the cell's source, to recognise it */
  source: string;
  status: "pass" | "fail" | "skipped" | "ignored";
  problems: CellProblem[];
}
export interface NotebookComparison {
  ok: boolean;
  cells: CellComparison[];
}

/**
 * Compares every code cell of `stored` with the same cell of `fresh` (the
 * notebook after a run); a notebook whose cells do not line up fails whole.
 *
 * @example
 * const [r] = await runNotebooks([file], { skipTagged: [SKIP_TAG], allowErrors: true, log: () => {} });
 * const cmp = compareNotebooks(readNotebook(file), r.notebook, { sanitizers, executed: r.executed });
 * if (!cmp.ok) console.log(formatComparison(cmp, file));
 */
export function compareNotebooks(stored: Notebook, fresh: Notebook, options: CompareOptions = {}): NotebookComparison {
  const shape = (nb: Notebook) => nb.cells.map((c) => c.cell_type).join(",");
  if (shape(stored) !== shape(fresh)) {
    const problem = { message: `the notebooks' cells differ (stored: ${stored.cells.length} cells, fresh: ${fresh.cells.length}); compare a notebook with its own run` };
    return { ok: false, cells: [{ cell: 0, source: "", status: "fail", problems: [problem] }] };
  }
  const executed = options.executed ? new Set(options.executed) : undefined;
  const cells: CellComparison[] = [];
  stored.cells.forEach((s, i) => {
    const f = fresh.cells[i];
    if (s.cell_type !== "code" || f.cell_type !== "code") return;
    cells.push(compareCell(s, f, i + 1, options, executed));
  });
  return { ok: cells.every((c) => c.status !== "fail"), cells };
}

function compareCell(stored: CodeCell, fresh: CodeCell, n: number, options: CompareOptions, executed: Set<number> | undefined): CellComparison {
  const source = joinText(stored.source).split("\n")[0];
  const result = (status: CellComparison["status"], problems: CellProblem[] = []): CellComparison => ({ cell: n, source, status, problems });
  const tags = cellTags(stored);
  if (tags.includes(SKIP_TAG)) return result("skipped");
  if (joinText(stored.source).trim() === "") return result("pass");
  if (executed ? !executed.has(n) : fresh.execution_count === null) return result("fail", [{ message: "the cell was not run (an earlier cell stopped the notebook, or the kernel died)" }]);
  const error = fresh.outputs.find((o) => o.output_type === "error");
  if (tags.includes(RAISES_TAG) && !error) return result("fail", [{ message: `the cell is tagged ${RAISES_TAG} but ran without an error` }]);
  if (error?.output_type === "error" && !tags.includes(RAISES_TAG)) {
    const tb = error.traceback.slice(0, 8).join("\n");
    return result("fail", [{ message: `the cell raised ${error.ename}: ${error.evalue} (tag it ${RAISES_TAG} if that is intended)`, got: tb }]);
  }
  if (tags.includes(IGNORE_OUTPUT_TAG)) return result("ignored");
  const problems = compareOutputs(stored.outputs, fresh.outputs, options);
  return result(problems.length ? "fail" : "pass", problems);
}

function compareOutputs(stored: Output[], fresh: Output[], options: CompareOptions): CellProblem[] {
  const rules = options.sanitizers ?? [];
  const problems: CellProblem[] = [];
  for (const name of ["stdout", "stderr"] as const) {
    const text = (outs: Output[]) => outs.map((o) => (o.output_type === "stream" && o.name === name ? joinText(o.text) : "")).join("");
    const e = sanitize(text(stored), rules);
    const g = sanitize(text(fresh), rules);
    if (e !== g) problems.push(difference(`${name} differs`, name, e, g));
  }
  const rich = (outs: Output[]) => outs.filter((o) => o.output_type !== "stream");
  const es = rich(stored);
  const gs = rich(fresh);
  if (es.length !== gs.length) {
    problems.push({ message: `expected ${es.length} non-stream output(s), got ${gs.length}`, expected: es.map(summary).join("\n"), got: gs.map(summary).join("\n") });
  }
  for (let k = 0; k < Math.min(es.length, gs.length); k++) problems.push(...compareOutput(es[k], gs[k], k + 1, options));
  return problems;
}

function summary(o: Output): string {
  if (o.output_type === "error") return `error ${o.ename}: ${o.evalue}`;
  if (o.output_type === "stream") return `stream ${o.name}`;
  return `${o.output_type} (${Object.keys(o.data).join(", ")})`;
}

function compareOutput(e: Output, g: Output, k: number, options: CompareOptions): CellProblem[] {
  const rules = options.sanitizers ?? [];
  const at = `output ${k}`;
  if (e.output_type !== g.output_type) return [{ message: `${at}: expected ${summary(e)}, got ${summary(g)}` }];
  if (e.output_type === "error" && g.output_type === "error") {
    const es = sanitize(`${e.ename}: ${e.evalue}`, rules);
    const gs = sanitize(`${g.ename}: ${g.evalue}`, rules);
    return es === gs ? [] : [difference(`${at}: the error differs`, undefined, es, gs)];
  }
  if (e.output_type === "stream" || g.output_type === "stream" || e.output_type === "error" || g.output_type === "error") return [];
  const problems: CellProblem[] = [];
  const policy = (mime: string) => mimePolicy(mime, options.mimePolicy);
  const mimes = [...new Set([...Object.keys(e.data), ...Object.keys(g.data)])].filter((m) => policy(m) !== "ignore").sort();
  for (const mime of mimes) {
    const where = `${at} (${e.output_type}) ${mime}`;
    if (!(mime in g.data)) problems.push({ mime, message: `${where} is missing from the fresh run` });
    else if (!(mime in e.data)) problems.push({ mime, message: `${where} is new: the stored output does not have it` });
    else if (policy(mime) !== "presence") {
      const [es, gs] = [render(e.data, mime, policy(mime), rules), render(g.data, mime, policy(mime), rules)];
      if (es !== gs) problems.push(difference(`${where} differs`, mime, es, gs));
    }
  }
  return problems;
}

/** The comparable text of one MIME type's data: sanitized text, or sanitized JSON with sorted keys. */
function render(data: MimeData, mime: string, policy: MimePolicy, rules: Sanitizer[]): string {
  const v = data[mime];
  if (policy === "json" || (typeof v !== "string" && !Array.isArray(v))) return JSON.stringify(sanitizeJson(v, rules), null, 1);
  return sanitize(joinText(v as string | string[]), rules);
}

function sanitizeJson(v: unknown, rules: Sanitizer[]): unknown {
  if (typeof v === "string") return sanitize(v, rules);
  if (Array.isArray(v)) return v.map((x) => sanitizeJson(x, rules));
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sanitizeJson(o[k], rules)]));
}

function difference(message: string, mime: string | undefined, expected: string, got: string): CellProblem {
  const el = expected.split("\n");
  const gl = got.split("\n");
  let i = 0;
  while (i < el.length && i < gl.length && el[i] === gl[i]) i++;
  const [a, b] = [el[i], gl[i]];
  let col = 0;
  while (a !== undefined && b !== undefined && col < a.length && a[col] === b[col]) col++;
  // Long lines (an SVG is often one) are shown around the first differing character.
  const from = Math.max(0, col - 60);
  const show = (l: string | undefined) => (l === undefined ? "(no such line)" : (from > 0 ? "..." : "") + JSON.stringify(l.slice(from, from + 160)) + (l.length > from + 160 ? "..." : ""));
  return { message: `${message}; first difference at line ${i + 1}, column ${col + 1}:\n    expected: ${show(a)}\n    got:      ${show(b)}`, mime, expected, got };
}

/**
 * A readable report of the failing cells (empty when all pass).
 *
 * @example
 * if (!cmp.ok) throw new Error(formatComparison(cmp, "notebooks/1.1-tensor.ipynb"));
 */
export function formatComparison(cmp: NotebookComparison, file = "notebook", maxLines = 20): string {
  const failing = cmp.cells.filter((c) => c.status === "fail");
  if (failing.length === 0) return "";
  const clip = (text: string) => {
    if (text === "") return "      (nothing)";
    const lines = text.split("\n");
    const shown = lines.slice(0, maxLines).map((l) => `      | ${l.length > 200 ? l.slice(0, 200) + "..." : l}`);
    if (lines.length > maxLines) shown.push(`      | ... (${lines.length - maxLines} more lines)`);
    return shown.join("\n");
  };
  const parts = [`${file}: ${failing.length} of ${cmp.cells.length} code cell(s) differ from the stored outputs`];
  for (const c of failing) {
    parts.push(`cell ${c.cell}${c.source ? ` (${c.source.length > 60 ? c.source.slice(0, 57) + "..." : c.source})` : ""}:`);
    for (const p of c.problems) {
      parts.push(`  ${p.message}`);
      if (p.expected !== undefined) parts.push(`    stored:\n${clip(p.expected)}`);
      if (p.got !== undefined) parts.push(`    fresh:\n${clip(p.got)}`);
    }
  }
  return parts.join("\n");
}
