/**
 * Rendering Vega-Lite specs without a browser: SVG (synchronously, with vega's
 * own scenegraph and SVG string renderer), PNG (SVG rasterised by resvg) and a
 * standalone HTML page (vega-embed with the libraries inlined, works offline).
 *
 * vega, vega-lite and resvg are loaded on first use, so importing
 * `torchlab/plot` stays cheap until something is drawn.
 */

import { createHash } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import type { TopLevelSpec } from "vega-lite";

type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite");
type ResvgModule = typeof import("@resvg/resvg-js");

/**
 * The `$schema` URL of Vega-Lite v5, which JupyterLab's renderer keys on.
 *
 * @example
 * const spec = { $schema: VEGA_LITE_V5_SCHEMA, mark: "point" };
 */
export const VEGA_LITE_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

let vegaModule: VegaModule | undefined;
let vegaLiteModule: VegaLiteModule | undefined;
let resvgModule: ResvgModule | undefined;

function loadVega(): VegaModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (vegaModule ??= require("vega") as VegaModule);
}
function loadVegaLite(): VegaLiteModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (vegaLiteModule ??= require("vega-lite") as VegaLiteModule);
}
function loadResvg(): ResvgModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (resvgModule ??= require("@resvg/resvg-js") as ResvgModule);
}

// ---------------------------------------------------------------------------
// vega internals used by the synchronous renderer. vega-typings does not
// describe them; they are the same fields vega-view's own `toSVG()` reads
// (renderHeadless / initializeRenderer in vega-view), pinned by vega@5.
// ---------------------------------------------------------------------------

interface SvgStringRenderer {
  initialize(el: null, width: number, height: number, origin: readonly number[], scaleFactor: number): SvgStringRenderer;
  background(color: unknown): SvgStringRenderer;
  render(scene: unknown): SvgStringRenderer;
  svg(): string | null;
}
type SvgStringRendererClass = new (loader: unknown) => SvgStringRenderer;

interface ViewInternals {
  _viewWidth: number;
  _viewHeight: number;
  _origin: [number, number];
  /** Set while data is being loaded asynchronously (URL data). */
  _pending: unknown;
  /** Set while a pulse is propagating; still set if evaluation had to await. */
  _pulse: unknown;
  _scenegraph: { root: unknown };
  padding(): { left: number; right: number; top: number; bottom: number };
  background(): unknown;
  loader(): unknown;
  run(encode?: string): ViewInternals;
  runAfter(callback: (view: ViewInternals) => void, enqueue?: boolean, priority?: number): ViewInternals;
  finalize(): void;
}

interface LoggerLike {
  level(level?: number): number | LoggerLike;
  error(...args: readonly unknown[]): LoggerLike;
  warn(...args: readonly unknown[]): LoggerLike;
  info(...args: readonly unknown[]): LoggerLike;
  debug(...args: readonly unknown[]): LoggerLike;
}

function messageOf(args: readonly unknown[]): string {
  return args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
}

/**
 * A logger that records errors (they become exceptions) instead of printing
 * them. Warnings go to `console.warn` when `printWarnings` is set: vega-lite's
 * are about the spec ("shape dropped as it is incompatible with line") and
 * worth showing; the vega runtime's are not, headless ("Can not resolve event
 * source: window" for interactive charts, "Infinite extent" for empty data).
 */
function collectingLogger(errors: string[], source: string, printWarnings: boolean): LoggerLike {
  const logger: LoggerLike = {
    level(level?: number) {
      return level === undefined ? 2 : logger;
    },
    error(...args) {
      errors.push(messageOf(args));
      return logger;
    },
    warn(...args) {
      if (printWarnings) console.warn(`[${source}] ${messageOf(args)}`);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

const KNOWN_MARKS = new Set([
  "arc", "area", "bar", "image", "line", "point", "rect", "rule", "text", "tick", "trail",
  "circle", "square", "geoshape", "boxplot", "errorband", "errorbar",
]);

/** Finds `mark` values vega-lite does not know (vega-lite itself fails with a TypeError on them). */
function findUnknownMark(node: unknown, where: string): string | null {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const found = findUnknownMark(node[i], `${where}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (node === null || typeof node !== "object") return null;
  const obj = node as Record<string, unknown>;
  if ("mark" in obj) {
    const m = obj.mark;
    const type = typeof m === "string" ? m : m && typeof m === "object" ? (m as { type?: unknown }).type : m;
    if (typeof type !== "string" || !KNOWN_MARKS.has(type)) {
      return `${where}.mark is ${JSON.stringify(type)}, which is not a Vega-Lite mark type (one of ${[...KNOWN_MARKS].join(", ")})`;
    }
  }
  for (const key of ["layer", "hconcat", "vconcat", "concat", "spec"]) {
    if (key in obj) {
      const found = findUnknownMark(obj[key], `${where}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** Deep copy as plain JSON: what a notebook will see, and vega may annotate its input objects. */
function toJson(spec: TopLevelSpec): TopLevelSpec {
  return JSON.parse(JSON.stringify(spec)) as TopLevelSpec;
}

/** Compiles Vega-Lite to a Vega spec, turning vega-lite's failures into clear errors. */
function compileToVega(spec: TopLevelSpec): import("vega").Spec {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new TypeError(`Invalid Vega-Lite spec: expected an object, got ${spec === null ? "null" : typeof spec}`);
  }
  const badMark = findUnknownMark(spec, "spec");
  if (badMark) throw new Error(`Invalid Vega-Lite spec: ${badMark}`);
  const vl = loadVegaLite();
  const errors: string[] = [];
  try {
    const out = vl.compile(spec, { logger: collectingLogger(errors, "vega-lite", true) as never });
    if (errors.length) throw new Error(errors.join("; "));
    return out.spec;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`Invalid Vega-Lite spec: ${msg}`);
  }
}

/**
 * Builds a headless view and evaluates its dataflow synchronously.
 *
 * `view.run()` starts vega's (async) evaluation and, for inline data, the
 * whole pulse propagates before the first `await`. What could still be
 * deferred are callbacks queued with `runAfter` (layout's resize step among
 * them): vega awaits each in turn, so only the first would run in this tick.
 * We queue them ourselves and drain the queue here, in vega's priority order.
 */
function runViewSync(vgSpec: import("vega").Spec): ViewInternals {
  const vega = loadVega();
  const errors: string[] = [];
  let runtime: import("vega").Runtime;
  try {
    runtime = vega.parse(vgSpec);
  } catch (e) {
    throw new Error(`Vega could not parse the compiled spec: ${e instanceof Error ? e.message : String(e)}`);
  }
  const view = new vega.View(runtime, {
    renderer: "none",
    logger: collectingLogger(errors, "vega", false) as never,
    logLevel: vega.Warn,
  }) as unknown as ViewInternals;

  const queue: { callback: (v: ViewInternals) => void; priority: number; seq: number }[] = [];
  let seq = 0;
  view.runAfter = function (callback, enqueue, priority) {
    if (this._pulse || enqueue) {
      queue.push({ callback, priority: priority ?? 0, seq: seq++ });
    } else {
      try {
        callback(this);
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    return this;
  };

  try {
    view.run();
    if (view._pending || view._pulse) {
      throw new Error(
        "renderSvg draws specs whose data is inline (data.values); this one loads data asynchronously (a URL?). " +
          "Put the values in the spec, or use renderSvgAsync.",
      );
    }
    for (let guard = 0; queue.length; guard++) {
      if (guard > 1000) throw new Error("vega kept scheduling work after the dataflow run; giving up");
      queue.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      const next = queue.shift()!;
      try {
        next.callback(view);
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (errors.length) throw new Error(`Vega failed to evaluate the chart: ${errors.join("; ")}`);
  } catch (e) {
    view.finalize();
    throw e;
  }
  return view;
}

/** Mirrors vega-view's initializeRenderer(): size = view size + padding, origin = padding + view origin. */
function svgFromView(view: ViewInternals): string {
  const vega = loadVega();
  const mod = (vega.renderModule as unknown as (name: string) => { headless?: SvgStringRendererClass } | undefined)("svg");
  const Ctor = mod?.headless;
  if (!Ctor) throw new Error("vega's SVG string renderer is not available");
  const pad = view.padding();
  const width = Math.max(0, view._viewWidth + pad.left + pad.right);
  const height = Math.max(0, view._viewHeight + pad.top + pad.bottom);
  const origin = [pad.left + view._origin[0], pad.top + view._origin[1]];
  const renderer = new Ctor(view.loader()).initialize(null, width, height, origin, 1).background(view.background());
  const svg = renderer.render(view._scenegraph.root).svg();
  if (svg === null) throw new Error("vega produced no SVG");
  return svg;
}

/**
 * vega numbers clip paths and gradients with process-wide counters
 * (`clip1`, `gradient_0`, ...). Two SVGs inlined into one HTML page (classic
 * Notebook, nbconvert) would then reference each other's definitions. Rename
 * them to `<hash of the chart>-<n>`: unique per chart, and the same SVG text
 * for the same chart every time.
 */
function uniquifyIds(svg: string): string {
  const defs = svg.match(/<defs>[\s\S]*<\/defs>/);
  if (!defs) return svg;
  const ids = [...new Set([...defs[0].matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]))];
  if (!ids.length) return svg;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`(id="|#)(${ids.map(escape).join("|")})(?=[")])`, "g");
  const index = new Map(ids.map((id, i) => [id, i]));
  const placeholder = svg.replace(pattern, (_m, pre: string, id: string) => `${pre}\u0000${index.get(id)}\u0000`);
  const hash = createHash("sha1").update(placeholder).digest("hex").slice(0, 8);
  return placeholder.replace(/\u0000(\d+)\u0000/g, (_m, n: string) => `vl${hash}-${n}`);
}

/**
 * Renders a Vega-Lite spec to an SVG document, synchronously and without a
 * browser or canvas (text widths are estimated by vega). Data must be inline.
 *
 * @throws Error naming the problem (vega-lite's message) for an invalid spec.
 * @example
 * const svg = renderSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } });
 * svg.startsWith("<svg"); // true
 */
export function renderSvg(spec: TopLevelSpec): string {
  const view = runViewSync(compileToVega(toJson(spec)));
  try {
    return uniquifyIds(svgFromView(view));
  } finally {
    view.finalize();
  }
}

/**
 * Asynchronous SVG rendering through vega's own `view.toSVG()`; also handles
 * specs whose data is loaded from a URL.
 *
 * @example
 * const svg = await renderSvgAsync({ data: { url: "data/cars.json" }, mark: "point" });
 */
export async function renderSvgAsync(spec: TopLevelSpec): Promise<string> {
  const vega = loadVega();
  const errors: string[] = [];
  const view = new vega.View(vega.parse(compileToVega(toJson(spec))), {
    renderer: "none",
    logger: collectingLogger(errors, "vega", false) as never,
    logLevel: vega.Warn,
  });
  try {
    const svg = await view.toSVG();
    if (errors.length) throw new Error(`Vega failed to evaluate the chart: ${errors.join("; ")}`);
    return uniquifyIds(svg);
  } finally {
    view.finalize();
  }
}

/**
 * Options for {@link renderPng}.
 *
 * @example
 * const o: PngOptions = { scale: 1, background: "transparent" };
 */
export interface PngOptions {
  /** Pixels per SVG unit (2 gives a sharp image on high-DPI screens). Default 2. */
  scale?: number;
  /** Any CSS colour; default `"white"`. */
  background?: string;
}

/**
 * Renders a Vega-Lite spec to PNG bytes.
 *
 * The rasteriser is resvg (`@resvg/resvg-js`): its native binary is published
 * to the npm registry as an optional, per-platform package, so
 * `npm install` fetches it like any other package, with no install scripts,
 * no downloads from elsewhere and no system libraries. `canvas` (node-canvas)
 * and `sharp` run install scripts that download prebuilt binaries from GitHub
 * or build against Cairo/libvips, which fails offline and on locked-down
 * machines. Text uses the system's fonts (sans-serif falls back to DejaVu Sans).
 *
 * @example
 * const png = renderPng(spec, { scale: 1 });
 * png[1] === 0x50; // "P" of the PNG signature
 */
export function renderPng(spec: TopLevelSpec, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 2;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`renderPng: scale must be a positive number, got ${scale}`);
  const svg = renderSvg(spec);
  const { Resvg } = loadResvg();
  const image = new Resvg(svg, {
    background: options.background ?? "white",
    fitTo: { mode: "zoom", value: scale },
    // vega writes font-family="sans-serif"; resvg maps that to Arial, and
    // where Arial is missing (most Linux) to the default family below.
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    logLevel: "error",
  }).render();
  const png = image.asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

let libraryCache: { vega: string; vegaLite: string; vegaEmbed: string } | undefined;

/** Reads the browser builds that npm installed next to the Node builds. */
function browserLibraries(): { vega: string; vegaLite: string; vegaEmbed: string } {
  if (libraryCache) return libraryCache;
  const read = (pkg: string, file: string) => {
    // resolve the package's main file (vega-embed's `exports` hides package.json)
    const dir = path.dirname(require.resolve(pkg));
    const full = path.join(dir, file);
    try {
      return readFileSync(full, "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
    } catch (e) {
      throw new Error(`renderHtml needs ${pkg}'s browser build at ${full}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  libraryCache = {
    vega: read("vega", "vega.min.js"),
    vegaLite: read("vega-lite", "vega-lite.min.js"),
    vegaEmbed: read("vega-embed", "vega-embed.min.js"),
  };
  return libraryCache;
}

/** Makes text safe inside an inline <script> element. */
function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function htmlEscape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/**
 * Options for {@link renderHtml}.
 *
 * @example
 * const o: HtmlOptions = { title: "Loss", renderer: "canvas" };
 */
export interface HtmlOptions {
  /** The page's <title>; default: the spec's title, else "torchlab chart". */
  title?: string;
  /** vega's renderer in the page; default `"svg"`. */
  renderer?: "svg" | "canvas";
}

/**
 * A standalone HTML page that draws the chart with vega-embed. vega,
 * vega-lite and vega-embed are inlined (about 0.8 MB), so it works offline
 * and from `file://`. When drawing finishes, the page sets
 * `document.body.dataset.vegaStatus` to `"rendered"` (or `"error"`, with the
 * message in `window.__torchlabPlot.error`), and `window.__torchlabPlot.view`
 * holds the vega View.
 *
 * @example
 * fs.writeFileSync("chart.html", renderHtml(spec));
 */
export function renderHtml(spec: TopLevelSpec, options: HtmlOptions = {}): string {
  const json = toJson(spec);
  compileToVega(json); // fail here, with a clear message, rather than in the page
  const libs = browserLibraries();
  const specTitle = (json as { title?: unknown }).title;
  const title =
    options.title ??
    (typeof specTitle === "string" ? specTitle : specTitle && typeof specTitle === "object" && typeof (specTitle as { text?: unknown }).text === "string" ? (specTitle as { text: string }).text : "torchlab chart");
  const embedOptions = { actions: false, mode: "vega-lite", renderer: options.renderer ?? "svg" };
  const specJson = JSON.stringify(json).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>${htmlEscape(title)}</title>
<style>body { margin: 16px; font-family: sans-serif; } #vis.error { color: #b00; white-space: pre-wrap; }</style>
<script>${scriptSafe(libs.vega)}</script>
<script>${scriptSafe(libs.vegaLite)}</script>
<script>${scriptSafe(libs.vegaEmbed)}</script>
</head>
<body data-vega-status="pending">
<div id="vis"></div>
<script type="application/json" id="torchlab-spec">${specJson}</script>
<script>
(function () {
  var state = (window.__torchlabPlot = { status: "pending", error: null, view: null });
  function fail(err) {
    state.status = "error";
    state.error = String((err && err.message) || err);
    var el = document.getElementById("vis");
    el.className = "error";
    el.textContent = "Could not draw the chart: " + state.error;
    document.body.dataset.vegaStatus = "error";
  }
  try {
    var spec = JSON.parse(document.getElementById("torchlab-spec").textContent);
    vegaEmbed("#vis", spec, ${JSON.stringify(embedOptions)}).then(function (result) {
      state.view = result.view;
      state.status = "rendered";
      document.body.dataset.vegaStatus = "rendered";
    }, fail);
  } catch (err) {
    fail(err);
  }
})();
</script>
</body>
</html>
`;
}
