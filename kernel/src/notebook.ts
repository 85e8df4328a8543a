/**
 * Jupyter notebooks (nbformat 4) as files: reading with validation that names
 * the file and says what is wrong, writing the way nbformat writes (sorted
 * keys, one-space indent, multi-line strings as lists of lines) through a
 * temporary file that is renamed over the target, and turning a kernel's iopub
 * messages into a cell's outputs the way Jupyter front ends do.
 */
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";
import type { Message } from "./wire";

/** nbformat stores text either whole or as a list of lines (each keeping its "\n"). */
export type MultilineString = string | string[];
/** MIME type to data: text (maybe split in lines) or, for JSON MIME types, any JSON value. */
export type MimeData = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeData;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  data: MimeData;
  metadata: Record<string, unknown>;
  execution_count: number | null;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;
export type RichOutput = DisplayDataOutput | ExecuteResultOutput;

export interface CellMetadata {
  tags?: string[];
  [key: string]: unknown;
}
export interface CodeCell {
  cell_type: "code";
  id?: string;
  metadata: CellMetadata;
  source: MultilineString;
  execution_count: number | null;
  outputs: Output[];
}
export interface TextCell {
  cell_type: "markdown" | "raw";
  id?: string;
  metadata: CellMetadata;
  source: MultilineString;
  attachments?: Record<string, MimeData>;
}
export type Cell = CodeCell | TextCell;
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/** A notebook file that cannot be used; the message names the file. */
export class NotebookError extends Error {
  override name = "NotebookError";
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * The text of a MultilineString.
 *
 * @example
 * joinText(["a\n", "b"]); // "a\nb"
 */
export function joinText(text: MultilineString | undefined): string {
  return Array.isArray(text) ? text.join("") : (text ?? "");
}

/**
 * The tags of a cell (metadata.tags), [] when it has none.
 *
 * @example
 * if (cellTags(cell).includes("raises-exception")) ...
 */
export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

// ---------------------------------------------------------------- reading

/**
 * Reads and validates a notebook; every problem is a NotebookError naming the file.
 *
 * @example
 * const nb = readNotebook("notebooks/1.1-tensor.ipynb");
 */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new NotebookError(file, "no such file");
    if (err.code === "EISDIR") throw new NotebookError(file, "is a directory, expected a notebook file (.ipynb)");
    throw new NotebookError(file, `cannot read the file (${err.message.split(",")[0]})`);
  }
  return parseNotebook(text, file);
}

/**
 * Parses and validates notebook JSON; `file` names it in errors. Missing optional
 * parts (cell metadata, outputs, execution_count) are filled in.
 *
 * @example
 * parseNotebook('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', "x.ipynb");
 */
export function parseNotebook(text: string, file: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const { line, column } = jsonErrorPosition(text);
    throw new NotebookError(file, `not valid JSON at line ${line}, column ${column} (${(e as Error).message}); expected a Jupyter notebook (nbformat 4 JSON)`);
  }
  const expected = "expected a Jupyter notebook: a JSON object with nbformat 4, metadata and cells";
  if (!isObject(raw)) throw new NotebookError(file, `not a notebook: the JSON is ${describe(raw)}; ${expected}`);
  if (!("nbformat" in raw)) throw new NotebookError(file, `not a notebook: it has no "nbformat" field; ${expected}`);
  if (raw.nbformat !== 4) {
    throw new NotebookError(file, `nbformat ${JSON.stringify(raw.nbformat)} is not supported, expected nbformat 4 (convert it with: jupyter nbconvert --to notebook --nbformat 4)`);
  }
  if (raw.nbformat_minor !== undefined && typeof raw.nbformat_minor !== "number") throw new NotebookError(file, `nbformat_minor must be a number, got ${describe(raw.nbformat_minor)}`);
  if (raw.metadata !== undefined && !isObject(raw.metadata)) throw new NotebookError(file, `metadata must be an object, got ${describe(raw.metadata)}`);
  if (!Array.isArray(raw.cells)) throw new NotebookError(file, `"cells" must be a list of cells, got ${describe(raw.cells)}`);
  raw.nbformat_minor ??= 4;
  raw.metadata ??= {};
  raw.cells.forEach((c, i) => checkCell(c, `cell ${i + 1}`, file));
  return raw as unknown as Notebook;
}

function checkCell(c: unknown, where: string, file: string): void {
  const bad = (what: string) => new NotebookError(file, `${where}: ${what}`);
  if (!isObject(c)) throw bad(`expected a cell object, got ${describe(c)}`);
  if (c.cell_type !== "code" && c.cell_type !== "markdown" && c.cell_type !== "raw") throw bad(`cell_type must be "code", "markdown" or "raw", got ${JSON.stringify(c.cell_type)}`);
  if (!isText(c.source)) throw bad(`source must be a string or a list of strings, got ${describe(c.source)}`);
  c.metadata ??= {};
  if (!isObject(c.metadata)) throw bad(`metadata must be an object, got ${describe(c.metadata)}`);
  if (c.cell_type !== "code") return;
  c.outputs ??= [];
  c.execution_count ??= null;
  if (!Array.isArray(c.outputs)) throw bad(`outputs must be a list, got ${describe(c.outputs)}`);
  if (c.execution_count !== null && typeof c.execution_count !== "number") throw bad(`execution_count must be a number or null, got ${describe(c.execution_count)}`);
  c.outputs.forEach((o, k) => {
    const type = isObject(o) ? o.output_type : undefined;
    if (type !== "stream" && type !== "display_data" && type !== "execute_result" && type !== "error") {
      throw bad(`output ${k + 1}: output_type must be stream, display_data, execute_result or error, got ${JSON.stringify(type)}`);
    }
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isText(v: unknown): v is MultilineString {
  return typeof v === "string" || (Array.isArray(v) && v.every((s) => typeof s === "string"));
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  return v === null ? "null" : `a ${typeof v}`;
}

/**
 * Where the first JSON syntax error in `text` is (1-based line and column); V8's
 * messages give a position only for some errors, so the text is scanned here.
 *
 * @example
 * jsonErrorPosition('{\n "a": }'); // { offset: 8, line: 2, column: 7 }
 */
export function jsonErrorPosition(text: string): { offset: number; line: number; column: number } {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === "{" || ch === "[") {
      const close = ch === "{" ? "}" : "]";
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (ch === "{") {
          ws();
          if (text[i] !== '"') fail();
          str();
          ws();
          if (text[i] !== ":") fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (ch === '"') return str();
    if (ch === "t") return void literal("true");
    if (ch === "f") return void literal("false");
    if (ch === "n") return void literal("null");
    num();
  };
  let offset = text.length;
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value();
    ws();
    if (i < text.length) fail();
  } catch (at) {
    if (typeof at !== "number") throw at;
    offset = at;
  }
  const before = text.slice(0, offset).split("\n");
  return { offset, line: before.length, column: before[before.length - 1].length + 1 };
}

// ---------------------------------------------------------------- writing

/** The MIME types whose strings nbformat writes as lists of lines (base64 images stay whole). */
function isSplitMime(mime: string): boolean {
  return mime.startsWith("text/") || mime === "image/svg+xml" || mime === "application/javascript";
}

function splitLines(text: MultilineString): string[] {
  if (Array.isArray(text)) return text;
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortedKeys(v[k]);
  return out;
}

/**
 * The file text of a notebook as nbformat writes it, so a notebook saved by
 * Jupyter and then by torchlab differs only where its content does.
 *
 * @example
 * fs.writeFileSync("out.ipynb", serializeNotebook(nb));
 */
export function serializeNotebook(nb: Notebook): string {
  const split = (data: MimeData): MimeData => Object.fromEntries(Object.entries(data).map(([mime, v]) => [mime, isSplitMime(mime) && typeof v === "string" ? splitLines(v) : v]));
  const cells = nb.cells.map((cell) => {
    const c = { ...cell, source: splitLines(cell.source) } as Cell;
    if (c.cell_type !== "code") {
      if (c.attachments) c.attachments = Object.fromEntries(Object.entries(c.attachments).map(([name, data]) => [name, split(data)]));
      return c;
    }
    c.outputs = c.outputs.map((o) => {
      if (o.output_type === "stream") return { ...o, text: splitLines(o.text) };
      if (o.output_type === "error") return o;
      return { ...o, data: split(o.data) };
    });
    return c;
  });
  return JSON.stringify(sortedKeys({ ...nb, cells }), null, 1) + "\n";
}

/**
 * Replaces `file` with `data` so that readers see the old or the new content,
 * never a part: a temporary file in the same directory, fsync, rename. On any
 * failure the temporary file is removed. It is synchronous on purpose: a signal
 * handled by JavaScript cannot run between the write and the rename.
 *
 * @example
 * writeFileAtomic("out.ipynb", serializeNotebook(nb));
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode & 0o7777;
  } catch {
    /* a new file: the umask decides */
  }
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", mode ?? 0o666);
    if (mode !== undefined) fs.fchmodSync(fd, mode);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    // The rename itself is durable only once the directory is synced.
    const dfd = fs.openSync(dir, "r");
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    /* some file systems cannot sync a directory; the rename still happened */
  }
}

/**
 * Writes a notebook atomically (see writeFileAtomic) in nbformat's layout.
 *
 * @example
 * writeNotebook("notebooks/1.1-tensor.ipynb", nb);
 */
export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, serializeNotebook(nb));
}

// ---------------------------------------------------------------- outputs

/**
 * Outputs shown with a display_id, notebook-wide: update_display_data replaces
 * them wherever they are, also in earlier cells. One per notebook run.
 *
 * @example
 * const displays = new DisplayRegistry();
 * for (const cell of cells) new OutputCollector(displays); // shared by every cell
 */
export class DisplayRegistry {
  private byId = new Map<string, RichOutput[]>();
  add(id: string, output: RichOutput): void {
    const list = this.byId.get(id) ?? [];
    list.push(output);
    this.byId.set(id, list);
  }
  update(id: string, data: MimeData, metadata: Record<string, unknown>): void {
    for (const o of this.byId.get(id) ?? []) {
      o.data = data;
      o.metadata = metadata;
    }
  }
}

/**
 * Turns one cell's iopub messages into its nbformat outputs, as a front end shows
 * them: a stream continues the output before it when that is a stream of the same
 * name; clear_output empties the outputs (with wait: true, only once the next
 * output arrives); update_display_data changes earlier outputs with that display_id.
 *
 * @example
 * const col = new OutputCollector(displays);
 * for (const m of iopub) col.handle(m);
 * cell.outputs = col.outputs;
 */
export class OutputCollector {
  readonly outputs: Output[] = [];
  /** from execute_input (or the execute_result) */
  executionCount: number | null = null;
  private clearOnNext = false;

  constructor(private readonly displays: DisplayRegistry = new DisplayRegistry()) {}

  handle(msg: Message): void {
    const c = msg.content as Record<string, unknown>;
    const data = (isObject(c.data) ? c.data : {}) as MimeData;
    const metadata = (isObject(c.metadata) ? c.metadata : {}) as Record<string, unknown>;
    const displayId = isObject(c.transient) && typeof c.transient.display_id === "string" ? c.transient.display_id : undefined;
    switch (msg.header.msg_type) {
      case "execute_input":
        if (typeof c.execution_count === "number") this.executionCount = c.execution_count;
        return;
      case "stream": {
        const name = c.name === "stderr" ? "stderr" : "stdout";
        const text = String(c.text ?? "");
        this.beforeOutput();
        const last = this.outputs[this.outputs.length - 1];
        if (last?.output_type === "stream" && last.name === name) last.text = joinText(last.text) + text;
        else this.outputs.push({ output_type: "stream", name, text });
        return;
      }
      case "display_data":
      case "execute_result": {
        this.beforeOutput();
        const out: RichOutput =
          msg.header.msg_type === "display_data"
            ? { output_type: "display_data", data, metadata }
            : { output_type: "execute_result", data, metadata, execution_count: typeof c.execution_count === "number" ? c.execution_count : this.executionCount };
        if (out.output_type === "execute_result" && this.executionCount === null) this.executionCount = out.execution_count;
        if (displayId !== undefined) this.displays.add(displayId, out);
        this.outputs.push(out);
        return;
      }
      case "update_display_data":
        if (displayId !== undefined) this.displays.update(displayId, data, metadata);
        return;
      case "error":
        this.beforeOutput();
        this.outputs.push({
          output_type: "error",
          ename: String(c.ename ?? "Error"),
          evalue: String(c.evalue ?? ""),
          traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
        });
        return;
      case "clear_output":
        if (c.wait) this.clearOnNext = true;
        else this.clear();
        return;
    }
  }

  private beforeOutput(): void {
    if (this.clearOnNext) this.clear();
  }

  private clear(): void {
    this.outputs.length = 0;
    this.clearOnNext = false;
  }
}
