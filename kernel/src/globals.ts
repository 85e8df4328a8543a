/**
 * The names every kernel preloads: `torch`, `plt`, `display` (+ display.html/markdown/svg/png/json/vegalite),
 * `clearOutput`, `prompt`/`input` and `help`. The executor puts the values into the cells' locals and the
 * declarations below (GLOBAL_DECLS) into the converter's carried declarations, so cells see them with types.
 */
import type { CellIO, MimeBundle } from "./api";
import { toBundle } from "./bundle";

export interface DisplayOptions {
  /** Names the output so a later `display(x, { displayId, update: true })` replaces it. */
  displayId?: string;
  /** Updates the output named `displayId` instead of adding one. */
  update?: boolean;
  /** display_data metadata. */
  metadata?: Record<string, unknown>;
}

/** What the globals need from the executor: the running cell's output and a place for execute_reply payloads. */
export interface GlobalsHost {
  /** The io of the cell the caller belongs to (by async context), or the most recent cell's. */
  io(): CellIO | undefined;
  /** Adds an execute_reply payload to the cell the caller belongs to. */
  addPayload(payload: Record<string, unknown>): void;
  /** The signature and TSDoc of the n-th `help(...)` argument of the running cell, when the compiler found one. */
  helpText(value: unknown): string | undefined;
}

/**
 * The type declarations of the preloaded names but `plt`, in the converter's `prevDecl` form.
 * Namespace imports, not `declare const`: cells can then name types too (`let t: torch.Tensor`).
 * @example globalDecls(require.resolve("torchlab")); // 'import * as torch from "...";\n...'
 */
export function globalDecls(runtimeIndex: string): string {
  const lines = [
    `import * as torch from ${JSON.stringify(stripJs(runtimeIndex))};`,
    `interface DisplayOptions { displayId?: string; update?: boolean; metadata?: Record<string, unknown> }`,
    `interface DisplayFunction {`,
    `  /** Shows a value as display_data: its [Symbol.for("Jupyter.display")]() bundle, a tensor table, or text. */`,
    `  (value: unknown, options?: DisplayOptions): void;`,
    `  /** Shows an HTML string. */ html(html: string, options?: DisplayOptions): void;`,
    `  /** Shows Markdown. */ markdown(markdown: string, options?: DisplayOptions): void;`,
    `  /** Shows an SVG document. */ svg(svg: string, options?: DisplayOptions): void;`,
    `  /** Shows a PNG image (bytes, or a base64 string). */ png(png: Uint8Array | string, options?: DisplayOptions): void;`,
    `  /** Shows a JSON value with the JSON viewer. */ json(value: unknown, options?: DisplayOptions): void;`,
    `  /** Shows a Vega-Lite (v5) specification as a chart. */ vegalite(spec: object, options?: DisplayOptions): void;`,
    `  /** Shows a raw MIME bundle. */ bundle(data: Record<string, unknown>, options?: DisplayOptions): void;`,
    `}`,
    `/** Shows rich output in the cell (display_data); with { displayId, update: true } it replaces an earlier one. */`,
    `declare const display: DisplayFunction;`,
    `/** Clears the cell's output; with { wait: true } only when new output arrives. */`,
    `declare function clearOutput(options?: { wait?: boolean }): void;`,
    `/** Asks the user for a line of text over the front end's stdin channel. */`,
    `declare function prompt(text?: string, options?: { password?: boolean }): Promise<string>;`,
    `/** Asks the user for a line of text over the front end's stdin channel (Python's input()). */`,
    `declare function input(text?: string): Promise<string>;`,
    `/** Shows the type signature and documentation of a value in the pager. */`,
    `declare function help(value: unknown): void;`,
  ];
  return lines.filter((l) => l !== "").join("\n") + "\n";
}

/**
 * The declaration of `plt`, which the executor adds to `prevDecl` later (see TsExecutor.loadPltTypes).
 * @example pltDecl(require.resolve("torchlab/plot")); // 'import * as plt from "...";\n'
 */
export function pltDecl(plotIndex: string): string {
  return `import * as plt from ${JSON.stringify(stripJs(plotIndex))};\n`;
}

function stripJs(p: string): string {
  return p.replace(/\\/g, "/").replace(/\.js$/, "");
}

function base64(data: Uint8Array | string): string {
  return typeof data === "string" ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

/** Builds the runtime values of the preloaded functions (torch and plt are added by the executor). */
export function createGlobals(host: GlobalsHost): Record<string, unknown> {
  const show = (data: MimeBundle, options: DisplayOptions | undefined): void => {
    const io = host.io();
    if (!io) return;
    const transient: { display_id?: string } = {};
    if (options?.displayId !== undefined) transient.display_id = String(options.displayId);
    io.display(data, options?.metadata ?? {}, transient, Boolean(options?.update && options.displayId !== undefined));
  };
  const display = Object.assign((value: unknown, options?: DisplayOptions) => show(toBundle(value), options), {
    html: (html: string, options?: DisplayOptions) => show({ "text/html": String(html), "text/plain": "<HTML>" }, options),
    markdown: (md: string, options?: DisplayOptions) => show({ "text/markdown": String(md), "text/plain": String(md) }, options),
    svg: (svg: string, options?: DisplayOptions) => show({ "image/svg+xml": String(svg), "text/plain": "<SVG>" }, options),
    png: (png: Uint8Array | string, options?: DisplayOptions) => show({ "image/png": base64(png), "text/plain": "<PNG>" }, options),
    json: (value: unknown, options?: DisplayOptions) =>
      show({ "application/json": value as object, "text/plain": JSON.stringify(value, null, 2) ?? String(value) }, options),
    vegalite: (spec: object, options?: DisplayOptions) =>
      show({ "application/vnd.vegalite.v5+json": spec, "text/plain": "<VegaLite chart>" }, options),
    bundle: (data: Record<string, unknown>, options?: DisplayOptions) => show({ ...data }, options),
  });
  const clearOutput = (options?: { wait?: boolean }): void => {
    host.io()?.clearOutput(Boolean(options?.wait));
  };
  const prompt = async (text?: string, options?: { password?: boolean }): Promise<string> => {
    const io = host.io();
    if (!io) throw new Error("input is not available outside a cell");
    return io.input(text === undefined ? "" : String(text), Boolean(options?.password));
  };
  const input = (text?: string): Promise<string> => prompt(text);
  const help = (value: unknown): void => {
    let text = host.helpText(value);
    if (text === undefined) {
      if (typeof value === "function") text = Function.prototype.toString.call(value);
      else text = toBundle(value)["text/plain"] as string;
    }
    host.addPayload({ source: "page", data: { "text/plain": text }, start: 0 });
  };
  return { display, clearOutput, prompt, input, help };
}
