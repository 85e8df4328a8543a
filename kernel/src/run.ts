/**
 * Runs notebooks headlessly through the real kernel over the Jupyter protocol,
 * as `jupyter nbconvert --execute` does: one fresh kernel per notebook, started
 * in the notebook's directory; code cells in order; outputs recorded as a
 * front end records them (notebook.ts). A notebook stops at its first failing
 * cell unless allowErrors; a cell tagged raises-exception may fail without
 * counting and without stopping.
 */
import * as fs from "fs";
import * as path from "path";
import { KernelClient, KernelProcess, TimeoutError, shutdownKernel, startKernel } from "./client";
import { CodeCell, DisplayRegistry, Notebook, NotebookError, OutputCollector, Output, cellTags, joinText, readNotebook, writeNotebook, writeFileAtomic } from "./notebook";
import type { Message } from "./wire";

export interface RunOptions {
  /** directory to write each executed notebook to (under its own file name) */
  output?: string;
  /** write each executed notebook over its input */
  inplace?: boolean;
  /** seconds a cell may run (default 60); then the kernel is interrupted and the cell fails */
  timeout?: number;
  /** go on after failing cells, and don't count their errors as failures (timeouts still count) */
  allowErrors?: boolean;
  /** directory to write each image/svg+xml and image/png output to, as <stem>-cell<N>-<k>.svg/.png */
  saveImages?: string;
  /** cells with any of these tags are not run and keep their stored outputs (nbval-skip) */
  skipTagged?: string[];
  /** progress and, without output/inplace, the cells' outputs (default: stdout) */
  log?: (line: string) => void;
  /** cell errors and failures (default: `log`) */
  logError?: (line: string) => void;
  /** aborts the run: the kernel is shut down, nothing more is written, runNotebooks rejects with RunAbortedError */
  signal?: AbortSignal;
  /** seconds to wait for a kernel to start (default 60) */
  startupTimeout?: number;
}

/** A cell that failed (or, in NotebookResult.tolerated, raised as allowed). Cells are numbered from 1, markdown included. */
export interface CellFailure {
  cell: number;
  kind: "error" | "timeout" | "kernel-died";
  /** one line: what happened */
  message: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookResult {
  path: string;
  /** the executed notebook (cells not run keep what they had) */
  notebook: Notebook;
  /** where it was written, null without output/inplace */
  written: string | null;
  /** numbers of the code cells that ran */
  executed: number[];
  /** numbers of the code cells skipped for their tags */
  skipped: number[];
  failures: CellFailure[];
  /** errors that did not count: raises-exception cells, or any with allowErrors */
  tolerated: CellFailure[];
  /** image files written (saveImages) */
  images: string[];
  ok: boolean;
}

/** The run was aborted through RunOptions.signal; `reason` is the signal's reason. */
export class RunAbortedError extends Error {
  override name = "RunAbortedError";
  constructor(readonly reason: unknown) {
    super(`the run was aborted${reason === undefined ? "" : ` (${String(reason)})`}`);
  }
}

/** Some notebook files could not be used; nothing was run. */
export class NotebookLoadError extends Error {
  override name = "NotebookLoadError";
  constructor(readonly errors: NotebookError[]) {
    super(errors.map((e) => e.message).join("\n"));
  }
}

class KernelDiedError extends Error {}

const INTERRUPT_GRACE_MS = 10_000;

/**
 * Runs each notebook in its own kernel and returns what happened. Every file is
 * read and checked first: if any cannot be used, nothing runs (NotebookLoadError).
 *
 * @example
 * const [r] = await runNotebooks(["notebooks/1.1-tensor.ipynb"], { output: "out", timeout: 120 });
 * if (!r.ok) console.error(r.failures.map((f) => f.message).join("\n"));
 */
export async function runNotebooks(paths: string[], options: RunOptions = {}): Promise<NotebookResult[]> {
  if (options.output !== undefined && options.inplace) throw new Error("runNotebooks: give output or inplace, not both");
  const timeout = options.timeout ?? 60;
  if (!(timeout > 0)) throw new Error(`runNotebooks: timeout must be a positive number of seconds, got ${timeout}`);
  const targets = outputPaths(paths, options);
  const loaded: Notebook[] = [];
  const errors: NotebookError[] = [];
  for (const p of paths) {
    try {
      loaded.push(readNotebook(p));
    } catch (e) {
      if (!(e instanceof NotebookError)) throw e;
      errors.push(e);
    }
  }
  if (errors.length) throw new NotebookLoadError(errors);
  const results: NotebookResult[] = [];
  for (let i = 0; i < paths.length; i++) {
    throwIfAborted(options.signal);
    results.push(await runOne(paths[i], loaded[i], targets[i], { ...options, timeout }));
  }
  return results;
}

/**
 * Where each notebook is written: output/<name>, itself (inplace), or nowhere (null).
 *
 * @example
 * outputPaths(["a/x.ipynb"], { output: "out" }); // ["out/x.ipynb"]
 */
export function outputPaths(paths: string[], options: Pick<RunOptions, "output" | "inplace">): Array<string | null> {
  if (options.inplace) return [...paths];
  if (options.output === undefined) return paths.map(() => null);
  const out = paths.map((p) => path.join(options.output!, path.basename(p)));
  const seen = new Map<string, string>();
  paths.forEach((p, i) => {
    const other = seen.get(out[i]);
    if (other !== undefined) throw new Error(`${other} and ${p} would both be written to ${out[i]}; run them with different --output directories`);
    seen.set(out[i], p);
  });
  return out;
}

type Options = RunOptions & { timeout: number };

async function runOne(file: string, nb: Notebook, target: string | null, options: Options): Promise<NotebookResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + "\n"));
  const logError = options.logError ?? log;
  const printing = target === null;
  const result: NotebookResult = { path: file, notebook: nb, written: null, executed: [], skipped: [], failures: [], tolerated: [], images: [], ok: true };
  const skipTags = new Set(options.skipTagged ?? []);
  if (printing) log(`== ${file}`);

  const kernel = await startKernel({ cwd: path.dirname(path.resolve(file)) });
  const client = new KernelClient(kernel.conn);
  client.onInput = () => null;
  const guard = guardWith(kernel, options.signal);
  let aborted = false;
  try {
    const info = await guard.wait(client.ready((options.startupTimeout ?? 60) * 1000));
    if (info.content.language_info) nb.metadata.language_info = info.content.language_info;
    const displays = new DisplayRegistry();
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i];
      const n = i + 1;
      if (cell.cell_type !== "code" || joinText(cell.source).trim() === "") continue;
      const tags = cellTags(cell);
      if (tags.some((t) => skipTags.has(t))) {
        result.skipped.push(n);
        continue;
      }
      const outcome = await executeCell(client, kernel, guard, cell, n, displays, options.timeout);
      result.executed.push(n);
      if (printing) printCell(cell, log, logError);
      if (options.saveImages) result.images.push(...saveImages(cell, n, file, options.saveImages, log));
      if (!outcome) continue;
      const tolerated = outcome.kind === "error" && (tags.includes("raises-exception") || options.allowErrors === true);
      (tolerated ? result.tolerated : result.failures).push(outcome);
      if (!printing || !tolerated) reportFailure(outcome, logError, tolerated);
      if (kernel.proc.exitCode !== null || kernel.proc.signalCode !== null) break;
      if (!tolerated && !options.allowErrors) {
        logError(`${file}: stopped at cell ${n}; later cells were not run`);
        break;
      }
    }
  } catch (e) {
    aborted = e instanceof RunAbortedError;
    throw e;
  } finally {
    guard.dispose();
    await shutdownKernel(kernel, client, 5000, aborted);
  }
  result.ok = result.failures.length === 0;
  throwIfAborted(options.signal);
  if (target !== null) {
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    writeNotebook(target, nb);
    result.written = target;
  }
  const summary = `${file}: ran ${result.executed.length} code cell(s)` + (result.failures.length ? `, ${result.failures.length} failed` : "") + (target !== null ? `; written to ${target}` : "");
  if (!printing) log(summary);
  else if (!result.ok) logError(summary);
  return result;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunAbortedError(signal.reason);
}

interface Guard {
  /** `p`, unless the kernel dies (KernelDiedError) or the run is aborted (RunAbortedError) first */
  wait<T>(p: Promise<T>): Promise<T>;
  dispose(): void;
}

function guardWith(kernel: KernelProcess, signal: AbortSignal | undefined): Guard {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => reject(new RunAbortedError(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  const died = kernel.exited.then((code) => {
    throw new KernelDiedError(`the kernel exited (code ${code})${kernel.stderr() ? `; its last output:\n${kernel.stderr().slice(-2000)}` : ""}`);
  });
  // Both are only ever raced against; an unobserved rejection must not crash the process.
  aborted.catch(() => undefined);
  died.catch(() => undefined);
  return {
    wait: (p) => Promise.race([p, died, aborted]),
    dispose: () => {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    },
  };
}

/** Runs one cell, fills its outputs and execution_count; returns its failure, if any. */
async function executeCell(client: KernelClient, kernel: KernelProcess, guard: Guard, cell: CodeCell, n: number, displays: DisplayRegistry, timeout: number): Promise<CellFailure | null> {
  cell.outputs = [];
  cell.execution_count = null;
  const h = await client.send("shell", "execute_request", { code: joinText(cell.source), silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false });
  const msgs: Message[] = [];
  let timedOut = false;
  let stuck = false;
  try {
    try {
      await guard.wait(client.iopubUntilIdle(h.msg_id, timeout * 1000, msgs));
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      timedOut = true;
      kernel.proc.kill("SIGINT");
      try {
        await guard.wait(client.iopubUntilIdle(h.msg_id, INTERRUPT_GRACE_MS, msgs));
      } catch (e2) {
        if (!(e2 instanceof TimeoutError)) throw e2;
        stuck = true;
        await kernel.kill();
      }
    }
  } catch (e) {
    if (!(e instanceof KernelDiedError)) throw e;
    fill(cell, msgs, displays);
    return { cell: n, kind: "kernel-died", message: `cell ${n}: ${e.message}` };
  }
  // The reply comes on shell, around the same time as idle on iopub.
  // A kernel that dies right after idle is reported at the next cell.
  const reply = stuck ? undefined : await guard.wait(client.reply("shell", h.msg_id, 5000)).catch((e) => (e instanceof TimeoutError || e instanceof KernelDiedError ? undefined : Promise.reject(e)));
  const collector = fill(cell, msgs, displays);
  if (cell.execution_count === null && typeof reply?.content.execution_count === "number") cell.execution_count = reply.content.execution_count;
  const error = collector.outputs.find((o) => o.output_type === "error");
  const details = error?.output_type === "error" ? { ename: error.ename, evalue: error.evalue, traceback: error.traceback } : {};
  if (timedOut) {
    const after = stuck ? `it did not stop within ${INTERRUPT_GRACE_MS / 1000} s of the interrupt, so the kernel was killed` : "the kernel was interrupted";
    return { cell: n, kind: "timeout", message: `cell ${n} timed out after ${timeout} s; ${after}`, ...details };
  }
  if (error?.output_type === "error") return { cell: n, kind: "error", message: `cell ${n} raised ${error.ename}: ${error.evalue}`, ...details };
  if (reply?.content.status === "error") {
    const c = reply.content as { ename?: string; evalue?: string };
    return { cell: n, kind: "error", message: `cell ${n} failed: ${c.ename ?? "Error"}: ${c.evalue ?? ""}`, ename: c.ename, evalue: c.evalue };
  }
  return null;
}

function fill(cell: CodeCell, msgs: Message[], displays: DisplayRegistry): OutputCollector {
  const collector = new OutputCollector(displays);
  for (const m of msgs) collector.handle(m);
  cell.outputs = collector.outputs;
  cell.execution_count = collector.executionCount;
  return collector;
}

function reportFailure(f: CellFailure, logError: (line: string) => void, tolerated: boolean): void {
  logError(tolerated ? `${f.message} (allowed)` : f.message);
  if (tolerated) return;
  for (const line of f.traceback ?? []) logError(`    ${line.replace(/\n/g, "\n    ")}`);
}

function printCell(cell: CodeCell, log: (line: string) => void, logError: (line: string) => void): void {
  log(`In [${cell.execution_count ?? " "}]:`);
  for (const o of cell.outputs) {
    if (o.output_type === "stream") (o.name === "stderr" ? logError : log)(joinText(o.text).replace(/\n$/, ""));
    else if (o.output_type === "error") logError(`${o.ename}: ${o.evalue}`);
    else {
      const text = o.data["text/plain"];
      const prefix = o.output_type === "execute_result" ? `Out[${o.execution_count ?? " "}]: ` : "";
      log(text !== undefined ? prefix + joinText(text as string | string[]) : `${prefix}<${o.output_type}: ${Object.keys(o.data).join(", ")}>`);
    }
  }
}

/** Writes the cell's SVG and PNG outputs; returns the files. */
function saveImages(cell: CodeCell, n: number, notebook: string, dir: string, log: (line: string) => void): string[] {
  const stem = path.basename(notebook).replace(/\.ipynb$/i, "");
  const files: string[] = [];
  let k = 0;
  for (const o of cell.outputs as Output[]) {
    if (o.output_type !== "display_data" && o.output_type !== "execute_result") continue;
    const svg = o.data["image/svg+xml"];
    const png = o.data["image/png"];
    if (svg === undefined && png === undefined) continue;
    k++;
    fs.mkdirSync(dir, { recursive: true });
    for (const [ext, data] of [["svg", svg], ["png", png]] as const) {
      if (data === undefined) continue;
      const file = path.join(dir, `${stem}-cell${n}-${k}.${ext}`);
      const text = joinText(data as string | string[]);
      writeFileAtomic(file, ext === "png" ? Buffer.from(text, "base64") : text);
      files.push(file);
      log(`saved image: ${file}`);
    }
  }
  return files;
}
