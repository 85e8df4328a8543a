/**
 * One set of axes (matplotlib's `Axes`): the artists drawn on it (lines, points, bars,
 * areas, rules, images, text), its labels, limits, scales, grid and legend, and its
 * translation into a layered Vega-Lite chart built with the Chart builder.
 */
import { Chart, SpecObject, layer } from "./chart";
import { ColorCycle, ColorLike, colormap, toColor } from "./colors";
import {
  ArrayInput, MAX_LINE_POINTS, MAX_SCATTER_POINTS, broadcastTo, checkSameLength, isTensor, m4Indices,
  samplingNote, sampleIndices, toColumns, toImage, toNd, toVector,
} from "./data";
import { LineStyle, MarkerStyle, PX_PER_PT, RC, dashFor, markerProps, noLine, noMarker, parseFmt } from "./styles";

/** Options of `plot` (matplotlib's Line2D properties). */
export interface PlotOptions {
  color?: ColorLike;
  /** Alias of `color`. */
  c?: ColorLike;
  linestyle?: LineStyle;
  /** Alias of `linestyle`. */
  ls?: LineStyle;
  /** Line width in points (default 1.5). */
  linewidth?: number;
  /** Alias of `linewidth`. */
  lw?: number;
  marker?: MarkerStyle;
  /** Marker size in points (default 6). */
  markersize?: number;
  /** Alias of `markersize`. */
  ms?: number;
  label?: string;
  alpha?: number;
  /** `"default"`, `"steps"` / `"steps-pre"`, `"steps-mid"`, `"steps-post"`. */
  drawstyle?: "default" | "steps" | "steps-pre" | "steps-mid" | "steps-post";
}

/** Options of `scatter`. */
export interface ScatterOptions {
  /** One colour, one colour per point, or numbers mapped through `cmap`. */
  c?: ColorLike | readonly string[] | ArrayInput;
  color?: ColorLike;
  /** Marker area in points² (default 36), a scalar or one per point. */
  s?: number | ArrayInput;
  marker?: MarkerStyle;
  label?: string;
  alpha?: number;
  cmap?: string;
  vmin?: number;
  vmax?: number;
  edgecolors?: ColorLike;
  linewidths?: number;
}

/** Options of `bar` / `barh`. */
export interface BarOptions {
  /** Bar width (`bar`) or height (`barh`) in data units, default 0.8. */
  width?: number | ArrayInput;
  height?: number | ArrayInput;
  /** Base of the bars: `bottom` for `bar`, `left` for `barh`. */
  bottom?: number | ArrayInput;
  left?: number | ArrayInput;
  align?: "center" | "edge";
  color?: ColorLike | readonly string[];
  edgecolor?: ColorLike;
  linewidth?: number;
  label?: string;
  alpha?: number;
  /** Tick labels under the bars. */
  tickLabel?: string | readonly string[];
}

/** Options of `hist`. */
export interface HistOptions {
  /** Number of equal-width bins (default 10) or the bin edges. */
  bins?: number | ArrayInput;
  range?: readonly [number, number];
  density?: boolean;
  weights?: ArrayInput;
  cumulative?: boolean;
  histtype?: "bar" | "step" | "stepfilled";
  orientation?: "vertical" | "horizontal";
  /** Bar width as a fraction of the bin width (default 1). */
  rwidth?: number;
  color?: ColorLike;
  label?: string;
  alpha?: number;
  linewidth?: number;
}

/** What `hist` returns: the counts (or densities) and the bin edges, as matplotlib's `(n, bins)`. */
export interface HistResult {
  n: number[];
  bins: number[];
}

/** Options of `fillBetween`. */
export interface FillOptions {
  /** Fill only where true (elsewhere leaves a gap). */
  where?: ArrayInput | readonly boolean[];
  color?: ColorLike;
  facecolor?: ColorLike;
  alpha?: number;
  label?: string;
  step?: "pre" | "post" | "mid";
}

/** Options of `axhline` / `axvline`. */
export interface LineRuleOptions {
  /** Fraction of the axes width (`axhline`) where the line starts/ends (0..1). */
  xmin?: number;
  xmax?: number;
  /** Fraction of the axes height (`axvline`) where the line starts/ends (0..1). */
  ymin?: number;
  ymax?: number;
  color?: ColorLike;
  c?: ColorLike;
  linestyle?: LineStyle;
  ls?: LineStyle;
  linewidth?: number;
  lw?: number;
  label?: string;
  alpha?: number;
}

/** Options of `errorbar`. */
export interface ErrorbarOptions extends PlotOptions {
  /** Symmetric errors (scalar or per point) or `[lower, upper]` rows (a 2×N array). */
  yerr?: number | ArrayInput;
  xerr?: number | ArrayInput;
  /** Format string of the data line ("o", "r--"); `"none"` draws only the error bars. */
  fmt?: string;
  ecolor?: ColorLike;
  elinewidth?: number;
  /** Cap length in points (default 0: no caps, as matplotlib). */
  capsize?: number;
}

/** Options of `imshow`. */
export interface ImshowOptions {
  /** Colormap of 2-D data (default "viridis"). */
  cmap?: string;
  vmin?: number;
  vmax?: number;
  /** `"equal"` (default: square pixels) or `"auto"` (fill the axes). */
  aspect?: "equal" | "auto" | number;
  /** Where row 0 goes (default "upper"). */
  origin?: "upper" | "lower";
  /** `[left, right, bottom, top]` in data coordinates. */
  extent?: readonly [number, number, number, number];
  alpha?: number;
  label?: string;
}

/** Options of `text`. */
export interface TextOptions {
  color?: ColorLike;
  fontsize?: number;
  /** Horizontal alignment (default "left"). */
  ha?: "left" | "center" | "right";
  /** Vertical alignment (default "baseline"). */
  va?: "top" | "center" | "bottom" | "baseline" | "center_baseline";
  /** Rotation in degrees, counter-clockwise. */
  rotation?: number;
  alpha?: number;
  fontweight?: "normal" | "bold";
}

/** Options of `legend`. */
export interface LegendOptions {
  /** matplotlib's location names ("best", "upper right", "lower left", ...). */
  loc?: "best" | "upper right" | "upper left" | "lower left" | "lower right" | "right" | "center left" | "center right" | "lower center" | "upper center" | "center";
  title?: string;
  fontsize?: number;
  /** Draw the legend frame (default true). */
  frameon?: boolean;
  /** Labels for the artists in the order they were drawn (as `legend(["a", "b"])`). */
  labels?: readonly string[];
}

/** Options of `grid`. */
export interface GridOptions {
  axis?: "both" | "x" | "y";
  color?: ColorLike;
  linestyle?: LineStyle;
  linewidth?: number;
  alpha?: number;
}

/** Axis scale types. */
export type ScaleType = "linear" | "log" | "symlog";

/** A handle on something drawn: its kind, label and colour. */
export interface PlotHandle {
  readonly kind: "line" | "scatter" | "bar" | "hist" | "fill" | "hline" | "vline" | "errorbar" | "image" | "text";
  readonly label: string | undefined;
  readonly color: string;
}

/** Arguments of `plot`: `[x], y, [fmt]`, repeated, then an optional options object. */
export type PlotArg = ArrayInput | string | PlotOptions;

interface Ext { min: number; max: number; minPos: number }
const emptyExt = (): Ext => ({ min: Infinity, max: -Infinity, minPos: Infinity });
function extend(e: Ext, v: ArrayLike<number>): Ext {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    if (x < e.min) e.min = x;
    if (x > e.max) e.max = x;
    if (x > 0 && x < e.minPos) e.minPos = x;
  }
  return e;
}

interface BuildCtx {
  xlog: boolean;
  ylog: boolean;
  width: number;
  height: number;
}

interface LayerDraft {
  rows: SpecObject[];
  mark: SpecObject;
  encoding: SpecObject;
  /** false: the legend colour does not apply (e.g. a colormapped image). */
  legend?: boolean;
}

interface Artist {
  handle: PlotHandle;
  symbol: string;
  x: Ext;
  y: Ext;
  stickyX: number[];
  stickyY: number[];
  note?: string;
  layers(ctx: BuildCtx): LayerDraft[];
}

const Q = "quantitative";
const fieldX = { field: "x", type: Q };
const fieldY = { field: "y", type: Q };
const valid = (v: number, log: boolean): boolean => Number.isFinite(v) && (!log || v > 0);
const round = (v: number): number => Math.round(v * 1000) / 1000;

const LEGEND_ORIENT: Readonly<Record<string, string>> = {
  best: "top-right", "upper right": "top-right", "upper left": "top-left", "lower left": "bottom-left",
  "lower right": "bottom-right", right: "right", "center left": "left", "center right": "right",
  "lower center": "bottom", "upper center": "top", center: "top-right",
};

const isOptions = (a: unknown): boolean =>
  typeof a === "object" && a !== null && !Array.isArray(a) && !ArrayBuffer.isView(a) && !isTensor(a);

function stepInterpolate(d: PlotOptions["drawstyle"]): string | undefined {
  switch (d) {
    case "steps": case "steps-pre": return "step-before";
    case "steps-mid": return "step";
    case "steps-post": return "step-after";
    default: return undefined;
  }
}

/**
 * One set of axes. Create them with `plt.subplots()`, `fig.addSubplot()` or `plt.gca()`.
 * The methods follow matplotlib's `Axes` (`setTitle`, `setXlim`, ...) and also accept the
 * pyplot names (`title`, `xlim`, ...).
 * @example
 * const { fig, axes } = plt.subplots(1, 2);
 * axes[0].plot([1, 2, 3]); axes[1].scatter([1, 2], [3, 4]); axes[1].setTitle("points");
 */
export class Axes {
  private artists: Artist[] = [];
  private cycle = new ColorCycle();
  private titleText?: string;
  private xlabelText?: string;
  private ylabelText?: string;
  private xlimits: [number | undefined, number | undefined] = [undefined, undefined];
  private ylimits: [number | undefined, number | undefined] = [undefined, undefined];
  private xscaleType: ScaleType = "linear";
  private yscaleType: ScaleType = "linear";
  private gridX = false;
  private gridY = false;
  private gridStyle: SpecObject = {};
  private legendOptions?: LegendOptions;
  private xTicks?: { values: number[]; labels?: string[] };
  private yTicks?: { values: number[]; labels?: string[] };
  private yInverted = false;
  private aspect?: number;
  /** @internal shared-axis groups set by subplots({sharex, sharey}) */
  _sharex?: Axes[];
  /** @internal */
  _sharey?: Axes[];

  /**
   * @param row grid row of the axes in its figure (0-based)
   * @param col grid column
   * @example new Axes(0, 0)
   */
  constructor(readonly row = 0, readonly col = 0) {}

  private add(a: Artist): PlotHandle {
    this.artists.push(a);
    return a.handle;
  }

  private nextColor(explicit: ColorLike | undefined): string {
    return explicit !== undefined ? toColor(explicit) : this.cycle.next();
  }

  // ---------------------------------------------------------------- lines

  /**
   * Lines and/or markers, as `matplotlib.pyplot.plot`: `plot(y)`, `plot(x, y)`, `plot(x, y, "r--")`,
   * several groups `plot(x1, y1, "b", x2, y2, "g")`, and a trailing options object.
   * A 2-D `y` (N×k) draws k lines. NaN and ±Infinity break the line.
   * @example ax.plot(x, y, "r--", { label: "fit", linewidth: 2 })
   */
  plot(...args: PlotArg[]): PlotHandle[] {
    let options: PlotOptions = {};
    if (args.length && isOptions(args[args.length - 1]) && typeof args[args.length - 1] !== "string") {
      options = args.pop() as PlotOptions;
    }
    const handles: PlotHandle[] = [];
    let i = 0;
    if (!args.length) return handles;
    while (i < args.length) {
      const a = args[i];
      if (typeof a === "string") throw new Error(`plot: unexpected format string "${a}" (a format string follows the data)`);
      const b = args[i + 1];
      let xIn: ArrayInput | undefined, yIn: ArrayInput;
      if (b !== undefined && typeof b !== "string" && !isOptions(b)) {
        xIn = a as ArrayInput;
        yIn = b as ArrayInput;
        i += 2;
      } else {
        yIn = a as ArrayInput;
        i += 1;
      }
      let fmt = "";
      if (typeof args[i] === "string") fmt = args[i++] as string;
      handles.push(...this.plotGroup(xIn, yIn, fmt, options));
    }
    return handles;
  }

  private plotGroup(xIn: ArrayInput | undefined, yIn: ArrayInput, fmt: string, o: PlotOptions): PlotHandle[] {
    const ys = toColumns(yIn, "y");
    let xs: { columns: Float64Array[]; shape: number[] };
    if (xIn === undefined) {
      const n = ys.shape.length ? ys.shape[0] : 1;
      xs = { columns: [Float64Array.from({ length: n }, (_, k) => k)], shape: [n] };
    } else xs = toColumns(xIn, "x");
    checkSameLength("x", xs.shape, "y", ys.shape);
    if (xs.columns.length > 1 && ys.columns.length > 1 && xs.columns.length !== ys.columns.length) {
      throw new Error(`x has ${xs.columns.length} columns but y has ${ys.columns.length} columns`);
    }
    const f = parseFmt(fmt);
    const k = Math.max(xs.columns.length, ys.columns.length);
    const out: PlotHandle[] = [];
    for (let j = 0; j < k; j++) {
      const x = xs.columns[xs.columns.length === 1 ? 0 : j];
      const y = ys.columns[ys.columns.length === 1 ? 0 : j];
      const explicit = o.color ?? o.c ?? f.color;
      const color = this.nextColor(explicit);
      let linestyle: LineStyle = o.linestyle ?? o.ls ?? f.linestyle ?? (f.marker && !f.linestyle ? "None" : "-");
      const marker = o.marker ?? f.marker;
      if (o.linestyle === undefined && o.ls === undefined && f.linestyle === undefined && f.marker !== undefined) linestyle = "None";
      out.push(this.add(this.lineArtist("line", x, y, {
        color, linestyle, linewidth: o.linewidth ?? o.lw ?? RC.linewidth, marker, markersize: o.markersize ?? o.ms ?? RC.markersize,
        label: o.label, alpha: o.alpha, interpolate: stepInterpolate(o.drawstyle),
      })));
    }
    return out;
  }

  private lineArtist(kind: PlotHandle["kind"], x: Float64Array, y: Float64Array, s: {
    color: string; linestyle: LineStyle; linewidth: number; marker?: string; markersize: number;
    label?: string; alpha?: number; interpolate?: string;
  }): Artist {
    const n = y.length;
    const idx = m4Indices(y, MAX_LINE_POINTS);
    const drawLine = !noLine(s.linestyle);
    const drawMarker = !noMarker(s.marker);
    const mk = drawMarker ? markerProps(s.marker as string, s.markersize) : undefined;
    const dash = drawLine ? dashFor(s.linestyle, s.linewidth) : undefined;
    return {
      handle: { kind, label: s.label, color: s.color },
      symbol: mk ? mk.shape : "stroke",
      x: extend(emptyExt(), x),
      y: extend(emptyExt(), y),
      stickyX: [], stickyY: [],
      note: n > MAX_LINE_POINTS ? samplingNote(idx.length, n) : undefined,
      layers: (ctx) => {
        const rows: SpecObject[] = [];
        let seg = 0, gap = false;
        for (const k of idx) {
          if (!valid(x[k], ctx.xlog) || !valid(y[k], ctx.ylog)) {
            if (rows.length && !gap) seg++;
            gap = true;
            continue;
          }
          gap = false;
          rows.push(seg ? { x: x[k], y: y[k], i: k, s: seg } : { x: x[k], y: y[k], i: k });
        }
        if (!drawLine && !drawMarker) return [];
        if (!drawLine) {
          return [{ rows, mark: { type: "point", ...mk, color: s.color, ...(mk!.filled ? {} : { strokeWidth: s.linewidth * PX_PER_PT }), opacity: s.alpha ?? 1, clip: true }, encoding: { x: fieldX, y: fieldY } }];
        }
        const mark: SpecObject = { type: "line", color: s.color, strokeWidth: round(s.linewidth * PX_PER_PT), clip: true };
        if (dash) mark.strokeDash = dash;
        if (s.alpha !== undefined) mark.opacity = s.alpha;
        if (s.interpolate) mark.interpolate = s.interpolate;
        if (mk) mark.point = { ...mk, ...(mk.filled ? {} : { strokeWidth: s.linewidth * PX_PER_PT }), opacity: s.alpha ?? 1 };
        const encoding: SpecObject = { x: fieldX, y: fieldY, order: { field: "i", type: Q } };
        if (seg > 0) encoding.detail = { field: "s", type: "nominal" };
        return [{ rows, mark, encoding }];
      },
    };
  }

  // ---------------------------------------------------------------- scatter

  /**
   * Points, as `matplotlib.pyplot.scatter`. `c` may be one colour, one per point, or numbers
   * coloured through `cmap`; `s` is the marker area in points². Above MAX_SCATTER_POINTS a
   * seeded random sample is drawn and the axes say so.
   * @example ax.scatter(x, y, { color: "b", label: "real curve" })
   */
  scatter(xIn: ArrayInput, yIn: ArrayInput, o: ScatterOptions = {}): PlotHandle {
    const xnd = toNd(xIn, "x"), ynd = toNd(yIn, "y");
    const x = xnd.values, y = ynd.values;
    if (x.length !== y.length) throw new Error(`x and y must be the same size, but have shapes [${xnd.shape.join(", ")}] and [${ynd.shape.join(", ")}]`);
    const n = x.length;
    const marker = o.marker ?? "o";
    const mk = markerProps(marker === "" || marker === "None" || marker === "none" ? "o" : marker);
    const cIn = o.c ?? o.color;
    let color: string | undefined, colors: string[] | undefined, cvals: Float64Array | undefined;
    if (cIn === undefined) color = this.cycle.next();
    else if (typeof cIn === "string") color = toColor(cIn);
    else if (Array.isArray(cIn) && cIn.length && typeof cIn[0] === "string") {
      colors = (cIn as readonly string[]).map((c) => toColor(c));
      if (colors.length !== n) throw new Error(`'c' argument has ${colors.length} elements, which is inconsistent with 'x' and 'y' with size ${n}`);
    } else if (Array.isArray(cIn) && (cIn.length === 3 || cIn.length === 4) && n !== cIn.length && cIn.every((v) => typeof v === "number")) {
      color = toColor(cIn as unknown as ColorLike);
    } else {
      cvals = toVector(cIn as ArrayInput, "c");
      if (cvals.length !== n) throw new Error(`'c' argument has ${cvals.length} elements, which is inconsistent with 'x' and 'y' with size ${n}`);
    }
    const s = o.s === undefined ? undefined : toVector(o.s as ArrayInput | number, "s");
    if (s && s.length !== 1 && s.length !== n) throw new Error(`s must be a scalar, or float array-like with the same size as x and y (${n}), got ${s.length}`);
    const idx = sampleIndices(n, MAX_SCATTER_POINTS);
    const pxArea = (v: number) => v * PX_PER_PT * PX_PER_PT * (mk.size / (RC.markersize * PX_PER_PT) ** 2);
    const stroke = o.edgecolors !== undefined ? toColor(o.edgecolors) : undefined;
    const legendColor = color ?? colors?.[0] ?? "#1f77b4";
    return this.add({
      handle: { kind: "scatter", label: o.label, color: legendColor },
      symbol: mk.shape,
      x: extend(emptyExt(), x), y: extend(emptyExt(), y), stickyX: [], stickyY: [],
      note: n > MAX_SCATTER_POINTS ? samplingNote(idx.length, n) : undefined,
      layers: (ctx) => {
        const rows: SpecObject[] = [];
        for (const k of idx) {
          if (!valid(x[k], ctx.xlog) || !valid(y[k], ctx.ylog)) continue;
          const r: SpecObject = { x: x[k], y: y[k] };
          if (s && s.length > 1) { if (!Number.isFinite(s[k])) continue; r.z = round(pxArea(s[k])); }
          if (colors) r.c = colors[k];
          if (cvals) r.v = Number.isFinite(cvals[k]) ? cvals[k] : null;
          rows.push(r);
        }
        const mark: SpecObject = { type: "point", shape: mk.shape, filled: mk.filled, size: round(s && s.length === 1 ? pxArea(s[0]) : mk.size), opacity: o.alpha ?? 1, clip: true };
        if (color) mark.color = color;
        if (stroke && mk.filled) { mark.stroke = stroke; mark.strokeWidth = (o.linewidths ?? 1) * PX_PER_PT; }
        else if (!mk.filled) mark.strokeWidth = (o.linewidths ?? RC.linewidth) * PX_PER_PT;
        const encoding: SpecObject = { x: fieldX, y: fieldY };
        if (s && s.length > 1) encoding.size = { field: "z", type: Q, scale: null, legend: null };
        const ch = mk.filled ? "fill" : "stroke";
        if (colors) encoding[ch] = { field: "c", type: "nominal", scale: null, legend: null };
        if (cvals) {
          const cm = colormap(o.cmap ?? "viridis");
          const e = extend(emptyExt(), cvals);
          const domain = [o.vmin ?? e.min, o.vmax ?? e.max].map((v) => (Number.isFinite(v) ? v : 0));
          encoding[ch] = { field: "v", type: Q, scale: { ...cm, domain, clamp: true }, legend: null };
        }
        return [{ rows, mark, encoding, legend: color !== undefined }];
      },
    });
  }

  // ---------------------------------------------------------------- bars

  /**
   * Vertical bars, as `matplotlib.pyplot.bar`: `x` positions (numbers, or strings for
   * categories) and heights; options width (0.8), bottom, align, color, label, tickLabel.
   * @example ax.bar(["a", "b", "c"], [3, 1, 2], { color: "tab:orange" })
   */
  bar(x: ArrayInput | readonly string[], height: ArrayInput | number, o: BarOptions = {}): PlotHandle {
    return this.bars("v", x, height, o.width ?? 0.8, o.bottom ?? 0, o);
  }

  /**
   * Horizontal bars, as `matplotlib.pyplot.barh`: `y` positions and widths; options height
   * (0.8), left, align, color, label, tickLabel.
   * @example ax.barh(["a", "b"], [3, 5])
   */
  barh(y: ArrayInput | readonly string[], width: ArrayInput | number, o: BarOptions = {}): PlotHandle {
    return this.bars("h", y, width, o.height ?? 0.8, o.left ?? 0, o);
  }

  private bars(dir: "v" | "h", posIn: ArrayInput | readonly string[], lenIn: ArrayInput | number, thickIn: number | ArrayInput,
    baseIn: number | ArrayInput, o: BarOptions): PlotHandle {
    let pos: Float64Array;
    let cats: string[] | undefined;
    if (Array.isArray(posIn) && posIn.length && posIn.every((v) => typeof v === "string")) {
      cats = [...(posIn as string[])];
      pos = Float64Array.from(cats, (_, i) => i);
    } else pos = toVector(posIn as ArrayInput, dir === "v" ? "x" : "y");
    let len = toVector(lenIn, dir === "v" ? "height" : "width");
    const n = Math.max(pos.length, len.length);
    if (pos.length === 1 && n > 1) pos = broadcastTo(pos, n, "x");
    if (len.length !== pos.length) len = broadcastTo(len, pos.length, dir === "v" ? "height" : "width");
    const thick = broadcastTo(toVector(thickIn, dir === "v" ? "width" : "height"), n, dir === "v" ? "width" : "height");
    const base = broadcastTo(toVector(baseIn, dir === "v" ? "bottom" : "left"), n, dir === "v" ? "bottom" : "left");
    let color: string | undefined, colors: string[] | undefined;
    if (Array.isArray(o.color) && o.color.length && typeof o.color[0] === "string") colors = broadcastColors(o.color as readonly string[], n);
    else color = this.nextColor(o.color as ColorLike | undefined);
    const labels = o.tickLabel === undefined ? cats : typeof o.tickLabel === "string" ? Array(n).fill(o.tickLabel) : [...o.tickLabel];
    if (labels) {
      const t = { values: Array.from(pos), labels };
      if (dir === "v") this.xTicks = t; else this.yTicks = t;
    }
    const lo = new Float64Array(n), hi = new Float64Array(n), b0 = new Float64Array(n), b1 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      [lo[i], hi[i]] = o.align === "edge" ? [pos[i], pos[i] + thick[i]] : [pos[i] - thick[i] / 2, pos[i] + thick[i] / 2];
      b0[i] = base[i]; b1[i] = base[i] + len[i];
    }
    const posExt = extend(extend(emptyExt(), lo), hi);
    const lenExt = extend(extend(emptyExt(), b0), b1);
    return this.add(this.rectArtist("bar", dir, lo, hi, b0, b1, posExt, lenExt,
      Array.from(new Set(Array.from(base).filter(Number.isFinite))), { color, colors, label: o.label, alpha: o.alpha, edgecolor: o.edgecolor, linewidth: o.linewidth }));
  }

  private rectArtist(kind: PlotHandle["kind"], dir: "v" | "h", lo: Float64Array, hi: Float64Array, b0: Float64Array, b1: Float64Array,
    posExt: Ext, lenExt: Ext, sticky: number[], st: { color?: string; colors?: string[]; label?: string; alpha?: number; edgecolor?: ColorLike; linewidth?: number }): Artist {
    const [px, py] = dir === "v" ? ["x", "y"] : ["y", "x"];
    return {
      handle: { kind, label: st.label, color: st.color ?? st.colors?.[0] ?? "#1f77b4" },
      symbol: "square",
      x: dir === "v" ? posExt : lenExt, y: dir === "v" ? lenExt : posExt,
      stickyX: dir === "v" ? [] : sticky, stickyY: dir === "v" ? sticky : [],
      layers: (ctx) => {
        const [plog, llog] = dir === "v" ? [ctx.xlog, ctx.ylog] : [ctx.ylog, ctx.xlog];
        const rows: SpecObject[] = [];
        for (let i = 0; i < lo.length; i++) {
          if (!valid(lo[i], plog) || !valid(hi[i], plog) || !Number.isFinite(b0[i]) || !Number.isFinite(b1[i])) continue;
          let a = b0[i], b = b1[i];
          if (llog) { if (!(b > 0)) continue; if (!(a > 0)) a = Number.MIN_VALUE; } // log axes: bars start far below the view and are clipped
          const r: SpecObject = { [px]: lo[i], [`${px}2`]: hi[i], [py]: a, [`${py}2`]: b };
          if (st.colors) r.c = st.colors[i];
          rows.push(r);
        }
        const mark: SpecObject = { type: "rect", clip: true };
        if (st.color) mark.color = st.color;
        if (st.alpha !== undefined) mark.opacity = st.alpha;
        if (st.edgecolor !== undefined) { mark.stroke = toColor(st.edgecolor); mark.strokeWidth = (st.linewidth ?? 1) * PX_PER_PT; }
        const encoding: SpecObject = { x: fieldX, x2: { field: "x2" }, y: fieldY, y2: { field: "y2" } };
        if (st.colors) encoding.fill = { field: "c", type: "nominal", scale: null, legend: null };
        return [{ rows, mark, encoding, legend: st.color !== undefined }];
      },
    };
  }

  /**
   * A histogram, as `matplotlib.pyplot.hist`: counts of `x` in `bins` (a count, default 10, or
   * edges). Non-finite values are ignored. Returns `{ n, bins }` like matplotlib's `(n, bins, _)`.
   * @example const { n, bins } = ax.hist(torch.randn(1000), { bins: 30, density: true });
   */
  hist(xIn: ArrayInput, o: HistOptions = {}): HistResult {
    const xs = toVector(xIn, "x");
    const w = o.weights === undefined ? undefined : toVector(o.weights, "weights");
    if (w && w.length !== xs.length) throw new Error(`weights should have the same shape as x, but have ${w.length} and ${xs.length} elements`);
    const finite: number[] = [];
    const fw: number[] = [];
    xs.forEach((v, i) => { if (Number.isFinite(v)) { finite.push(v); fw.push(w ? w[i] : 1); } });
    let edges: number[];
    if (o.bins === undefined || typeof o.bins === "number") {
      const nb = o.bins ?? 10;
      if (!Number.isInteger(nb) || nb < 1) throw new Error(`bins must be a positive integer, got ${nb}`);
      let lo = o.range ? o.range[0] : finite.length ? Math.min(...finite) : 0;
      let hi = o.range ? o.range[1] : finite.length ? Math.max(...finite) : 1;
      if (lo === hi) { lo -= 0.5; hi += 0.5; }
      edges = Array.from({ length: nb + 1 }, (_, i) => lo + ((hi - lo) * i) / nb);
    } else {
      edges = Array.from(toVector(o.bins, "bins"));
      for (let i = 1; i < edges.length; i++) if (!(edges[i] > edges[i - 1])) throw new Error("bins must increase monotonically, when an array");
      if (edges.length < 2) throw new Error("bins must have at least two edges");
    }
    const nb = edges.length - 1;
    const counts = new Array<number>(nb).fill(0);
    for (let k = 0; k < finite.length; k++) {
      const v = finite[k];
      if (v < edges[0] || v > edges[nb]) continue;
      let lo = 0, hi = nb; // find the last edge <= v
      while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (edges[mid] <= v) lo = mid; else hi = mid; }
      counts[v === edges[nb] ? nb - 1 : lo] += fw[k];
    }
    let n = counts;
    if (o.cumulative) { let acc = 0; n = counts.map((c) => (acc += c)); }
    if (o.density) {
      const total = counts.reduce((a, b) => a + b, 0) || 1;
      n = o.cumulative ? n.map((c) => c / total) : n.map((c, i) => c / total / (edges[i + 1] - edges[i]));
    }
    const color = this.nextColor(o.color);
    const dir = o.orientation === "horizontal" ? "h" : "v";
    const rw = o.rwidth ?? 1;
    if (o.histtype === "step") {
      const px: number[] = [edges[0]], py: number[] = [0];
      for (let i = 0; i < nb; i++) { px.push(edges[i], edges[i + 1]); py.push(n[i], n[i]); }
      px.push(edges[nb]); py.push(0);
      const [X, Y] = dir === "v" ? [px, py] : [py, px];
      const art = this.lineArtist("hist", Float64Array.from(X), Float64Array.from(Y), { color, linestyle: "-", linewidth: o.linewidth ?? RC.linewidth, markersize: RC.markersize, label: o.label, alpha: o.alpha });
      if (dir === "v") art.stickyY = [0]; else art.stickyX = [0];
      this.add(art);
    } else {
      const lo = Float64Array.from({ length: nb }, (_, i) => edges[i] + ((1 - rw) / 2) * (edges[i + 1] - edges[i]));
      const hi = Float64Array.from({ length: nb }, (_, i) => edges[i + 1] - ((1 - rw) / 2) * (edges[i + 1] - edges[i]));
      const b1 = Float64Array.from(n);
      const posExt = extend(emptyExt(), edges), lenExt = extend(extend(emptyExt(), [0]), b1);
      this.add(this.rectArtist("hist", dir, lo, hi, new Float64Array(nb), b1, posExt, lenExt, [0], { color, label: o.label, alpha: o.alpha }));
    }
    return { n, bins: edges };
  }

  // ---------------------------------------------------------------- areas and rules

  /**
   * Fills the area between two curves, as `matplotlib.pyplot.fill_between`; `y2` defaults to 0.
   * `where` masks parts out; NaN leaves gaps.
   * @example ax.fillBetween(x, lower, upper, { alpha: 0.3 })
   */
  fillBetween(xIn: ArrayInput, y1In: ArrayInput | number, y2In: ArrayInput | number = 0, o: FillOptions = {}): PlotHandle {
    const xnd = toNd(xIn, "x");
    const x = toVector(xIn, "x");
    const n = x.length;
    const y1 = broadcastTo(toVector(y1In, "y1"), n, "y1");
    const y2 = broadcastTo(toVector(y2In, "y2"), n, "y2");
    if (typeof y1In !== "number" && toVector(y1In, "y1").length !== n) checkSameLength("x", xnd.shape, "y1", toNd(y1In, "y1").shape);
    const where = o.where === undefined ? undefined : toVector(o.where as ArrayInput, "where");
    if (where && where.length !== n) throw new Error(`where size (${where.length}) does not match x size (${n})`);
    const color = this.nextColor(o.color ?? o.facecolor);
    // Envelope downsampling: per bucket the lowest lower bound and highest upper bound.
    const buckets = n > MAX_LINE_POINTS ? Math.floor(MAX_LINE_POINTS / 2) : n;
    const ix: number[] = [], iy1: number[] = [], iy2: number[] = [];
    for (let b = 0; b < buckets; b++) {
      const lo = Math.floor((b * n) / buckets), hi = Math.floor(((b + 1) * n) / buckets);
      let mn = Infinity, mx = -Infinity, bad = false;
      for (let i = lo; i < hi; i++) {
        const ok = Number.isFinite(y1[i]) && Number.isFinite(y2[i]) && Number.isFinite(x[i]) && (!where || where[i] !== 0);
        if (!ok) { bad = true; continue; }
        mn = Math.min(mn, y1[i], y2[i]); mx = Math.max(mx, y1[i], y2[i]);
        if (hi - lo === 1) { mn = y1[i]; mx = y2[i]; }
      }
      if (bad || !Number.isFinite(mn)) {
        if (hi - lo > 1 && Number.isFinite(mn)) { ix.push(x[lo], x[hi - 1]); iy1.push(mn, mn); iy2.push(mx, mx); }
        ix.push(NaN); iy1.push(NaN); iy2.push(NaN);
        continue;
      }
      if (hi - lo === 1) { ix.push(x[lo]); iy1.push(mn); iy2.push(mx); }
      else { ix.push(x[lo], x[hi - 1]); iy1.push(mn, mn); iy2.push(mx, mx); }
    }
    const interp = o.step === "pre" ? "step-before" : o.step === "post" ? "step-after" : o.step === "mid" ? "step" : undefined;
    return this.add({
      handle: { kind: "fill", label: o.label, color },
      symbol: "square",
      x: extend(emptyExt(), x), y: extend(extend(emptyExt(), y1), y2), stickyX: [], stickyY: [],
      note: n > MAX_LINE_POINTS ? samplingNote(ix.filter(Number.isFinite).length, n) : undefined,
      layers: (ctx) => {
        const rows: SpecObject[] = [];
        let seg = 0, gap = false;
        for (let i = 0; i < ix.length; i++) {
          if (!valid(ix[i], ctx.xlog) || !valid(iy1[i], ctx.ylog) || !valid(iy2[i], ctx.ylog)) {
            if (rows.length && !gap) seg++;
            gap = true;
            continue;
          }
          gap = false;
          rows.push(seg ? { x: ix[i], y: iy1[i], y2: iy2[i], s: seg } : { x: ix[i], y: iy1[i], y2: iy2[i] });
        }
        const mark: SpecObject = { type: "area", color, clip: true };
        if (o.alpha !== undefined) mark.opacity = o.alpha;
        if (interp) mark.interpolate = interp;
        const encoding: SpecObject = { x: fieldX, y: fieldY, y2: { field: "y2" } };
        if (seg > 0) encoding.detail = { field: "s", type: "nominal" };
        return [{ rows, mark, encoding }];
      },
    });
  }

  /**
   * A horizontal line across the axes at `y`, as `matplotlib.pyplot.axhline` (default colour 'C0').
   * @example ax.axhline(0, { color: "k", linestyle: "--" })
   */
  axhline(y = 0, o: LineRuleOptions = {}): PlotHandle {
    return this.add(this.rule("hline", y, o.xmin ?? 0, o.xmax ?? 1, o));
  }

  /**
   * A vertical line across the axes at `x`, as `matplotlib.pyplot.axvline`.
   * @example ax.axvline(2.5, { color: "r" })
   */
  axvline(x = 0, o: LineRuleOptions = {}): PlotHandle {
    return this.add(this.rule("vline", x, o.ymin ?? 0, o.ymax ?? 1, o));
  }

  private rule(kind: "hline" | "vline", at: number, f0: number, f1: number, o: LineRuleOptions): Artist {
    const color = toColor(o.color ?? o.c ?? "C0");
    const lw = o.linewidth ?? o.lw ?? RC.linewidth;
    const dash = dashFor(o.linestyle ?? o.ls ?? "-", lw);
    const [ch, other] = kind === "hline" ? ["y", "x"] : ["x", "y"];
    return {
      handle: { kind, label: o.label, color },
      symbol: "stroke",
      x: kind === "vline" ? extend(emptyExt(), [at]) : emptyExt(),
      y: kind === "hline" ? extend(emptyExt(), [at]) : emptyExt(),
      stickyX: [], stickyY: [],
      layers: (ctx) => {
        if (!valid(at, kind === "hline" ? ctx.ylog : ctx.xlog)) return [];
        const mark: SpecObject = { type: "rule", color, strokeWidth: round(lw * PX_PER_PT), clip: true };
        if (dash) mark.strokeDash = dash;
        if (o.alpha !== undefined) mark.opacity = o.alpha;
        const encoding: SpecObject = { [ch]: { datum: at, type: Q } };
        if (f0 !== 0 || f1 !== 1) {
          const size = kind === "hline" ? ctx.width : ctx.height;
          // pixel positions: x grows rightwards, y grows downwards
          const [p0, p1] = kind === "hline" ? [f0 * size, f1 * size] : [(1 - f0) * size, (1 - f1) * size];
          encoding[other] = { value: round(p0) };
          encoding[`${other}2`] = { value: round(p1) };
        }
        return [{ rows: [{}], mark, encoding }];
      },
    };
  }

  /**
   * Data with error bars, as `matplotlib.pyplot.errorbar`: `yerr`/`xerr` are a scalar, one value
   * per point, or `[lower, upper]` rows; `fmt` styles the data line ("o" for points only,
   * "none" for bars only); `capsize` in points.
   * @example ax.errorbar(x, mean, { yerr: std, fmt: "o", capsize: 3 })
   */
  errorbar(xIn: ArrayInput, yIn: ArrayInput, o: ErrorbarOptions = {}): PlotHandle {
    const xnd = toNd(xIn, "x"), ynd = toNd(yIn, "y");
    const x = toVector(xIn, "x"), y = toVector(yIn, "y");
    checkSameLength("x", xnd.shape, "y", ynd.shape);
    const n = x.length;
    const f = o.fmt === "none" ? undefined : parseFmt(o.fmt ?? "");
    const color = this.nextColor(o.color ?? o.c ?? f?.color);
    const ecolor = o.ecolor !== undefined ? toColor(o.ecolor) : color;
    const err = (e: number | ArrayInput | undefined, name: string): [Float64Array, Float64Array] | undefined => {
      if (e === undefined) return undefined;
      const nd = toNd(e, name);
      if (nd.shape.length <= 1) {
        const v = broadcastTo(nd.values, n, name);
        return [v, v];
      }
      if (nd.shape.length === 2 && nd.shape[0] === 2 && nd.shape[1] === n) return [nd.values.slice(0, n), nd.values.slice(n)];
      throw new Error(`${name} must be a scalar or a 1D or (2, n) array-like whose shape matches y, but has shape [${nd.shape.join(", ")}]`);
    };
    const ye = err(o.yerr, "yerr"), xe = err(o.xerr, "xerr");
    for (const e of [ye, xe]) if (e && [...e[0], ...e[1]].some((v) => v < 0)) throw new Error("errorbar: error values must be >= 0");
    const line = f ? this.lineArtist("errorbar", x, y, {
      color, linestyle: o.linestyle ?? o.ls ?? f.linestyle ?? (f.marker ? "None" : "-"), linewidth: o.linewidth ?? o.lw ?? RC.linewidth,
      marker: o.marker ?? f.marker, markersize: o.markersize ?? o.ms ?? RC.markersize, label: o.label, alpha: o.alpha,
    }) : undefined;
    const xExt = extend(emptyExt(), x), yExt = extend(emptyExt(), y);
    if (ye) { extend(yExt, y.map((v, i) => v - ye[0][i])); extend(yExt, y.map((v, i) => v + ye[1][i])); }
    if (xe) { extend(xExt, x.map((v, i) => v - xe[0][i])); extend(xExt, x.map((v, i) => v + xe[1][i])); }
    const elw = round((o.elinewidth ?? o.linewidth ?? o.lw ?? RC.linewidth) * PX_PER_PT);
    const cap = (o.capsize ?? 0) * PX_PER_PT * 2;
    return this.add({
      handle: { kind: "errorbar", label: o.label, color },
      symbol: line ? line.symbol : "stroke",
      x: xExt, y: yExt, stickyX: [], stickyY: [],
      note: line?.note,
      layers: (ctx) => {
        const out: LayerDraft[] = [];
        const bars = (e: [Float64Array, Float64Array], vertical: boolean) => {
          const rows: SpecObject[] = [];
          for (let i = 0; i < n; i++) {
            const lo = vertical ? y[i] - e[0][i] : x[i] - e[0][i], hi = vertical ? y[i] + e[1][i] : x[i] + e[1][i];
            const ok = vertical ? valid(x[i], ctx.xlog) && valid(lo, ctx.ylog) && valid(hi, ctx.ylog)
              : valid(y[i], ctx.ylog) && valid(lo, ctx.xlog) && valid(hi, ctx.xlog);
            if (ok) rows.push(vertical ? { x: x[i], y: lo, y2: hi } : { y: y[i], x: lo, x2: hi });
          }
          const encoding: SpecObject = vertical ? { x: fieldX, y: fieldY, y2: { field: "y2" } } : { x: fieldX, x2: { field: "x2" }, y: fieldY };
          out.push({ rows, mark: { type: "rule", color: ecolor, strokeWidth: elw, clip: true, ...(o.alpha !== undefined ? { opacity: o.alpha } : {}) }, encoding, legend: ecolor === color });
          if (cap > 0) {
            const capRows = rows.flatMap((r) => vertical ? [{ x: r.x, y: r.y }, { x: r.x, y: r.y2 }] : [{ x: r.x, y: r.y }, { x: r.x2, y: r.y }]);
            out.push({
              rows: capRows,
              mark: { type: "point", shape: vertical ? "M-1,0L1,0" : "M0,-1L0,1", filled: false, size: round(cap * cap), color: ecolor, strokeWidth: elw, clip: true },
              encoding: { x: fieldX, y: fieldY }, legend: ecolor === color,
            });
          }
        };
        if (ye) bars(ye, true);
        if (xe) bars(xe, false);
        if (line) out.push(...line.layers(ctx));
        return out;
      },
    });
  }

  // ---------------------------------------------------------------- images and text

  /**
   * An image, as `matplotlib.pyplot.imshow`: a 2-D array (coloured through `cmap`, default
   * viridis, between `vmin` and `vmax`) or RGB(A) as H×W×3, H×W×4 or 3×H×W (a torchvision
   * CHW tensor); floats in [0, 1] or integers in [0, 255]. Row 0 is at the top; pixels are square.
   * Above MAX_IMAGE_PIXELS the image is block-averaged, with a note.
   * @example ax.imshow(torch.rand(28, 28), { cmap: "gray" })
   */
  imshow(img: ArrayInput, o: ImshowOptions = {}): PlotHandle {
    const im = toImage(img);
    const H = im.originalSize ? im.originalSize[0] : im.height, W = im.originalSize ? im.originalSize[1] : im.width;
    const [l, r, b, t] = o.extent ?? [-0.5, W - 0.5, H - 0.5, -0.5];
    const upper = (o.origin ?? "upper") === "upper";
    // Data coordinates of pixel edges (pixel units p in 0..W, q in 0..H).
    const xAt = (p: number) => l + (p / W) * (r - l);
    const yAt = (q: number) => (o.extent ? (upper ? t - (q / H) * (t - b) : b + (q / H) * (t - b)) : q - 0.5);
    if (!o.extent && upper) this.yInverted = true;
    if (!o.extent && !upper) this.yInverted = false;
    const aspect = o.aspect ?? "equal";
    if (aspect !== "auto") this.aspect = aspect === "equal" ? 1 : aspect;
    const c = im.channels;
    let vmin = o.vmin, vmax = o.vmax;
    let maxv = -Infinity;
    for (const v of im.values) if (v > maxv) maxv = v;
    if (c === 1) {
      const e = extend(emptyExt(), im.values);
      vmin ??= Number.isFinite(e.min) ? e.min : 0;
      vmax ??= Number.isFinite(e.max) ? e.max : 1;
    }
    const scale255 = maxv > 1;
    const rows: SpecObject[] = [];
    const ch = (v: number) => Math.round(Math.min(1, Math.max(0, scale255 ? v / 255 : v)) * 255);
    for (let i = 0; i < im.height; i++) for (let j = 0; j < im.width; j++) {
      const q0 = i * im.factor, q1 = Math.min((i + 1) * im.factor, H);
      const p0 = j * im.factor, p1 = Math.min((j + 1) * im.factor, W);
      const base = (i * im.width + j) * c;
      const row: SpecObject = { x: round(xAt(p0)), x2: round(xAt(p1)), y: round(yAt(q0)), y2: round(yAt(q1)) };
      if (c === 1) {
        const v = im.values[base];
        row.v = Number.isFinite(v) ? v : null;
      } else {
        const rgb = [0, 1, 2].map((k) => im.values[base + k]);
        if (rgb.some((v) => !Number.isFinite(v))) continue;
        const [R, G, B] = rgb.map(ch);
        row.c = c === 4 ? `rgba(${R},${G},${B},${round(ch(im.values[base + 3]) / 255)})` : `#${[R, G, B].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
      }
      rows.push(row);
    }
    const xs = [xAt(0), xAt(W)], ys = [yAt(0), yAt(H)];
    const cm = c === 1 ? colormap(o.cmap ?? "viridis") : undefined;
    return this.add({
      handle: { kind: "image", label: o.label, color: "#000000" },
      symbol: "square",
      x: extend(emptyExt(), xs), y: extend(emptyExt(), ys), stickyX: xs, stickyY: ys,
      note: im.originalSize ? `showing ${im.height}×${im.width} block averages of ${H}×${W} pixels` : undefined,
      layers: () => {
        const mark: SpecObject = { type: "rect", clip: true, strokeWidth: 0 };
        if (o.alpha !== undefined) mark.opacity = o.alpha;
        const encoding: SpecObject = { x: fieldX, x2: { field: "x2" }, y: fieldY, y2: { field: "y2" } };
        encoding.fill = c === 1
          ? { field: "v", type: Q, scale: { ...cm, domain: [vmin, vmax], clamp: true }, legend: null }
          : { field: "c", type: "nominal", scale: null, legend: null };
        return [{ rows, mark, encoding, legend: false }];
      },
    });
  }

  /**
   * Text at data coordinates, as `matplotlib.pyplot.text` (default: left-aligned on the
   * baseline, 10 pt, black).
   * @example ax.text(1, 2, "peak", { ha: "center", color: "r" })
   */
  text(x: number, y: number, s: string, o: TextOptions = {}): PlotHandle {
    const color = toColor(o.color ?? "k");
    const baseline = o.va === "center" || o.va === "center_baseline" ? "middle" : (o.va ?? "alphabetic") === "baseline" ? "alphabetic" : o.va;
    return this.add({
      handle: { kind: "text", label: undefined, color },
      symbol: "square",
      x: emptyExt(), y: emptyExt(), stickyX: [], stickyY: [],
      layers: (ctx) => {
        if (!valid(x, ctx.xlog) || !valid(y, ctx.ylog)) return [];
        const mark: SpecObject = {
          type: "text", text: s, align: o.ha ?? "left", baseline, color,
          fontSize: round((o.fontsize ?? RC.fontsize) * PX_PER_PT), clip: true,
        };
        if (o.rotation) mark.angle = (360 - o.rotation) % 360;
        if (o.alpha !== undefined) mark.opacity = o.alpha;
        if (o.fontweight) mark.fontWeight = o.fontweight;
        return [{ rows: [{}], mark, encoding: { x: { datum: x, type: Q }, y: { datum: y, type: Q } }, legend: false }];
      },
    });
  }

  // ---------------------------------------------------------------- labels, limits, scales

  /** Sets the axes title (matplotlib's `set_title`). @example ax.setTitle("loss") */
  setTitle(label: string): this { this.titleText = label; return this; }
  /** pyplot's name for {@link setTitle}. @example ax.title("loss") */
  title(label: string): this { return this.setTitle(label); }
  /** The axes title. @example ax.getTitle() */
  getTitle(): string { return this.titleText ?? ""; }
  /** Sets the x-axis label. @example ax.setXlabel("epoch") */
  setXlabel(label: string): this { this.xlabelText = label; return this; }
  /** pyplot's name for {@link setXlabel}. @example ax.xlabel("epoch") */
  xlabel(label: string): this { return this.setXlabel(label); }
  /** Sets the y-axis label. @example ax.setYlabel("loss") */
  setYlabel(label: string): this { this.ylabelText = label; return this; }
  /** pyplot's name for {@link setYlabel}. @example ax.ylabel("loss") */
  ylabel(label: string): this { return this.setYlabel(label); }

  /**
   * Sets the x limits (either may be omitted to keep it automatic); returns the new limits.
   * @example ax.setXlim(0, 10)
   */
  setXlim(left?: number | readonly [number, number], right?: number): [number, number] {
    this.xlimits = Array.isArray(left) ? [left[0], left[1]] : [left as number | undefined ?? this.xlimits[0], right ?? this.xlimits[1]];
    return this.getXlim();
  }
  /** Sets the y limits; returns the new limits. @example ax.setYlim(-1, 1) */
  setYlim(bottom?: number | readonly [number, number], top?: number): [number, number] {
    this.ylimits = Array.isArray(bottom) ? [bottom[0], bottom[1]] : [bottom as number | undefined ?? this.ylimits[0], top ?? this.ylimits[1]];
    return this.getYlim();
  }
  /** The x limits: set ones, else the data range plus matplotlib's 5% margins. @example ax.getXlim() */
  getXlim(): [number, number] { return this.domain("x"); }
  /** The y limits. @example ax.getYlim() */
  getYlim(): [number, number] { return this.domain("y"); }
  /** pyplot's `xlim`: with arguments sets, always returns the limits. @example ax.xlim(0, 5) */
  xlim(left?: number | readonly [number, number], right?: number): [number, number] {
    return left === undefined && right === undefined ? this.getXlim() : this.setXlim(left, right);
  }
  /** pyplot's `ylim`. @example ax.ylim(0, 1) */
  ylim(bottom?: number | readonly [number, number], top?: number): [number, number] {
    return bottom === undefined && top === undefined ? this.getYlim() : this.setYlim(bottom, top);
  }
  /** Sets the x scale: "linear", "log" or "symlog". @example ax.setXscale("log") */
  setXscale(scale: ScaleType): this { this.xscaleType = checkScale(scale); return this; }
  /** Sets the y scale. @example ax.setYscale("log") */
  setYscale(scale: ScaleType): this { this.yscaleType = checkScale(scale); return this; }
  /** pyplot's name for {@link setXscale}. @example ax.xscale("log") */
  xscale(scale: ScaleType): this { return this.setXscale(scale); }
  /** pyplot's name for {@link setYscale}. @example ax.yscale("log") */
  yscale(scale: ScaleType): this { return this.setYscale(scale); }

  /**
   * Tick positions (and optionally labels) of the x axis, as `set_xticks` / pyplot `xticks`.
   * @example ax.setXticks([0, 1, 2], ["a", "b", "c"])
   */
  setXticks(ticks: ArrayInput, labels?: readonly string[]): this { this.xTicks = ticksOf(ticks, labels); return this; }
  /** Tick positions (and labels) of the y axis. @example ax.setYticks([0, 0.5, 1]) */
  setYticks(ticks: ArrayInput, labels?: readonly string[]): this { this.yTicks = ticksOf(ticks, labels); return this; }
  /** pyplot's name for {@link setXticks}. @example ax.xticks([0, 1], ["no", "yes"]) */
  xticks(ticks: ArrayInput, labels?: readonly string[]): this { return this.setXticks(ticks, labels); }
  /** pyplot's name for {@link setYticks}. @example ax.yticks([0, 1]) */
  yticks(ticks: ArrayInput, labels?: readonly string[]): this { return this.setYticks(ticks, labels); }

  /**
   * Shows or hides grid lines (toggles without an argument, as matplotlib).
   * @example ax.grid(true, { axis: "y", linestyle: "--" })
   */
  grid(visible?: boolean, o: GridOptions = {}): this {
    const axis = o.axis ?? "both";
    const on = visible ?? !(axis === "y" ? this.gridY : this.gridX);
    if (axis !== "y") this.gridX = on;
    if (axis !== "x") this.gridY = on;
    const style: SpecObject = {};
    if (o.color !== undefined) style.gridColor = toColor(o.color);
    if (o.linewidth !== undefined) style.gridWidth = o.linewidth * PX_PER_PT;
    if (o.linestyle !== undefined) { const d = dashFor(o.linestyle, o.linewidth ?? RC.gridWidth); if (d) style.gridDash = d; }
    if (o.alpha !== undefined) style.gridOpacity = o.alpha;
    this.gridStyle = { ...this.gridStyle, ...style };
    return this;
  }

  /**
   * Shows a legend of the labelled artists (labels starting with "_" are skipped). Without a
   * call to `legend()` there is no legend, as in matplotlib. `legend(["a", "b"])` labels the
   * artists in drawing order.
   * @example ax.legend({ loc: "upper left" })
   */
  legend(options: LegendOptions | readonly string[] = {}): this {
    const o: LegendOptions = Array.isArray(options) ? { labels: options as readonly string[] } : (options as LegendOptions);
    if (o.labels) {
      const drawable = this.artists.filter((a) => a.handle.kind !== "text");
      o.labels.forEach((lab, i) => { if (drawable[i]) (drawable[i].handle as { label: string | undefined }).label = lab; });
    }
    if (!this.legendEntries().length) process.stderr.write("No artists with labels found to put in legend.  Note that artists whose label start with an underscore are ignored when legend() is called with no argument.\n");
    this.legendOptions = { ...o };
    return this;
  }

  /** Clears the axes: artists, labels, limits, scales, legend, and restarts the colour cycle. @example ax.cla() */
  cla(): this {
    this.artists = [];
    this.cycle.reset();
    this.titleText = this.xlabelText = this.ylabelText = undefined;
    this.xlimits = [undefined, undefined];
    this.ylimits = [undefined, undefined];
    this.xscaleType = this.yscaleType = "linear";
    this.gridX = this.gridY = false;
    this.gridStyle = {};
    this.legendOptions = undefined;
    this.xTicks = this.yTicks = undefined;
    this.yInverted = false;
    this.aspect = undefined;
    return this;
  }
  /** Same as {@link cla}. @example ax.clear() */
  clear(): this { return this.cla(); }

  /** True when nothing has been drawn. @example ax.isEmpty() */
  isEmpty(): boolean { return this.artists.length === 0; }

  /** Handles of what was drawn, in order. @example ax.getChildren().map((h) => h.label) */
  getChildren(): PlotHandle[] { return this.artists.map((a) => a.handle); }

  // ---------------------------------------------------------------- spec

  private legendEntries(): Artist[] {
    return this.artists.filter((a) => a.handle.label !== undefined && a.handle.label !== "" && !a.handle.label.startsWith("_") && a.handle.kind !== "text");
  }

  /** @internal the data limits of one axis (shared axes: union over the group) */
  _dataExt(axis: "x" | "y"): { ext: Ext; sticky: number[] } {
    const group = (axis === "x" ? this._sharex : this._sharey) ?? [this];
    const ext = emptyExt();
    const sticky: number[] = [];
    for (const ax of group) for (const a of ax.artists) {
      const e = axis === "x" ? a.x : a.y;
      ext.min = Math.min(ext.min, e.min); ext.max = Math.max(ext.max, e.max); ext.minPos = Math.min(ext.minPos, e.minPos);
      sticky.push(...(axis === "x" ? a.stickyX : a.stickyY));
    }
    return { ext, sticky };
  }

  private domain(axis: "x" | "y"): [number, number] {
    const log = (axis === "x" ? this.xscaleType : this.yscaleType) === "log";
    const set = axis === "x" ? this.xlimits : this.ylimits;
    const { ext, sticky } = this._dataExt(axis);
    let lo = log ? ext.minPos : ext.min, hi = ext.max;
    if (!(lo <= hi)) [lo, hi] = log ? [1, 10] : [0, 1];
    else {
      const f = log ? Math.log10 : (v: number) => v, g = log ? (v: number) => 10 ** v : (v: number) => v;
      let a = f(lo), b = f(hi);
      if (a === b) { const d = a === 0 ? 0.055 : Math.abs(a) * 0.055; a -= d; b += d; }
      else { const m = (b - a) * RC.margin; a -= m; b += m; }
      let dlo = g(a), dhi = g(b);
      for (const s of sticky) {
        if (lo >= s && dlo < s) dlo = s;
        if (hi <= s && dhi > s) dhi = s;
      }
      [lo, hi] = [dlo, dhi];
    }
    return [set[0] ?? lo, set[1] ?? hi];
  }

  /**
   * This axes as a layered Vega-Lite chart of the given plot-area size (pixels).
   * @example ax.toChart(496, 369).toSpec()
   */
  toChart(width: number = Math.round(RC.figsize[0] * RC.dpi * (RC.subplotRight - RC.subplotLeft)), height: number = Math.round(RC.figsize[1] * RC.dpi * (RC.subplotTop - RC.subplotBottom))): Chart {
    const xlog = this.xscaleType === "log", ylog = this.yscaleType === "log";
    const xd = this.domain("x"), yd = this.domain("y");
    if (this.aspect !== undefined) {
      const ratio = (Math.abs(yd[1] - yd[0]) / Math.abs(xd[1] - xd[0])) * this.aspect;
      if (Number.isFinite(ratio) && ratio > 0) {
        if (width * ratio <= height) height = Math.round(width * ratio);
        else width = Math.round(height / ratio);
      }
    }
    const ctx: BuildCtx = { xlog, ylog, width, height };
    const entries = this.legendOptions ? this.legendEntries() : [];
    const domain: string[] = [], range: string[] = [], symbols: string[] = [];
    for (const a of entries) {
      const lab = a.handle.label as string;
      if (domain.includes(lab)) continue;
      domain.push(lab); range.push(a.handle.color); symbols.push(a.symbol);
    }
    const lo = this.legendOptions ?? {};
    const legendDef: SpecObject = {
      orient: LEGEND_ORIENT[lo.loc ?? "best"] ?? "top-right", title: lo.title ?? null,
      labelFontSize: round((lo.fontsize ?? RC.fontsize) * PX_PER_PT),
      symbolOpacity: 1,
      ...(lo.frameon === false ? {} : { fillColor: "rgba(255,255,255,0.8)", strokeColor: "#cccccc", cornerRadius: 3, padding: 6 }),
    };
    const scaleDef = (axis: "x" | "y"): SpecObject => {
      const t = axis === "x" ? this.xscaleType : this.yscaleType;
      const d = axis === "x" ? xd : yd;
      const s: SpecObject = { domain: d.map(round6), nice: false };
      if (t === "log") s.type = t;
      else s.zero = false;
      if (t === "symlog") s.type = t;
      if (axis === "y" && this.yInverted) s.reverse = true;
      return s;
    };
    const axisDef = (axis: "x" | "y"): SpecObject => {
      const a: SpecObject = {};
      if (axis === "x" ? this.gridX : this.gridY) Object.assign(a, { grid: true }, this.gridStyle);
      const ticks = axis === "x" ? this.xTicks : this.yTicks;
      if (ticks) {
        a.values = ticks.values;
        if (ticks.labels) {
          const map = JSON.stringify(Object.fromEntries(ticks.values.map((v, i) => [String(v), ticks.labels![i] ?? ""])));
          a.labelExpr = `${map}[toString(datum.value)]`;
        }
      }
      return a;
    };
    const titleOf = (axis: "x" | "y") => (axis === "x" ? this.xlabelText : this.ylabelText) ?? null;
    const drafts = this.artists.flatMap((a) => a.layers(ctx).map((d) => ({ d, a })));
    if (!drafts.length) {
      drafts.push({ d: { rows: [], mark: { type: "point", opacity: 0 }, encoding: { x: fieldX, y: fieldY }, legend: false }, a: undefined as unknown as Artist });
    }
    const inLegend = (d: LayerDraft, a: Artist | undefined): boolean =>
      d.legend !== false && a?.handle.label !== undefined && domain.includes(a.handle.label);
    // The legend symbol per entry (a stroke for lines, the marker for points) comes from a shape
    // scale that Vega-Lite merges into the colour legend. Only point layers carry it (a shape field
    // on a line would make Vega-Lite add points), and only where it matches their own shape; its
    // explicit domain and range give every entry its symbol. Without such a layer all entries get
    // the first entry's symbol.
    const carriesShape = (d: LayerDraft, a: Artist | undefined): boolean =>
      inLegend(d, a) && d.mark.type === "point" && d.mark.shape === a!.symbol;
    if (domain.length && !drafts.some(({ d, a }) => carriesShape(d, a))) legendDef.symbolType = symbols[0];
    const layers = drafts.map(({ d, a }) => {
      const enc: SpecObject = { ...d.encoding };
      for (const axis of ["x", "y"] as const) {
        const ch = enc[axis] as SpecObject | undefined;
        if (ch && !("value" in ch)) enc[axis] = { ...ch, scale: scaleDef(axis), axis: axisDef(axis), title: titleOf(axis) };
      }
      const mark = { ...d.mark };
      if (inLegend(d, a)) {
        const label = a.handle.label as string;
        delete mark.color;
        // A constant "series" field (the schema allows no scale on datum definitions).
        enc.color = { field: "series", type: "nominal", scale: { domain, range }, legend: legendDef };
        if (carriesShape(d, a)) enc.shape = { field: "series", type: "nominal", scale: { domain, range: symbols }, legend: legendDef };
        return new Chart(d.rows).transform({ calculate: JSON.stringify(label), as: "series" }).mark(mark.type as "point", stripType(mark)).encode(enc);
      }
      return new Chart(d.rows).mark(mark.type as "point", stripType(mark)).encode(enc);
    });
    const notes = this.artists.map((a) => a.note).filter((s): s is string => !!s);
    let c = layer(...layers).properties({ width, height });
    if (this.titleText !== undefined || notes.length) {
      c = c.properties({ title: notes.length ? { text: this.titleText ?? " ", subtitle: notes.join("; ") } : (this.titleText as string) });
    }
    const fills = layers.filter((l) => { const e = l.view().encoding as SpecObject | undefined; return e?.fill && (e.fill as SpecObject).scale !== null; }).length;
    if (fills > 1) c = c.properties({ resolve: { scale: { fill: "independent" } } });
    return c;
  }

  /** A short description, like matplotlib's repr. @example String(ax) // "<Axes: title='loss'>" */
  toString(): string {
    return `<Axes: ${this.titleText ? `title='${this.titleText}', ` : ""}${this.artists.length} artists>`;
  }
}

const round6 = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(12)) : v);

function stripType(mark: SpecObject): SpecObject {
  const { type: _type, ...rest } = mark;
  void _type;
  return rest;
}

function checkScale(s: string): ScaleType {
  if (s === "linear" || s === "log" || s === "symlog") return s;
  throw new Error(`Unknown scale type '${s}'; supported: 'linear', 'log', 'symlog'`);
}

function ticksOf(ticks: ArrayInput, labels?: readonly string[]): { values: number[]; labels?: string[] } {
  const values = Array.from(toVector(ticks, "ticks"));
  if (labels && labels.length !== values.length) throw new Error(`The number of FixedLocator locations (${values.length}) does not match the number of labels (${labels.length})`);
  return labels ? { values, labels: [...labels] } : { values };
}

function broadcastColors(c: readonly string[], n: number): string[] {
  const cols = c.map((v) => toColor(v));
  if (cols.length === n) return cols;
  if (cols.length === 1) return Array(n).fill(cols[0]);
  throw new Error(`color has ${cols.length} values but there are ${n} bars`);
}
