/**
 * A small Vega-Lite builder in the style of Altair: `chart(data).mark("line").encode({...})`,
 * layers, concatenation, parameters (selections), and `toSpec()` giving a plain Vega-Lite v5
 * spec. Charts are immutable: every method returns a new chart. The pyplot facade is built on it.
 */
import { VEGA_LITE_V5_SCHEMA } from "./render";
import type { TopLevelSpec, Config } from "vega-lite";
import type { Encoding } from "vega-lite/build/src/encoding";
import type { Mark, MarkDef } from "vega-lite/build/src/mark";
import type { CompositeMark } from "vega-lite/build/src/compositemark";
import type { Transform } from "vega-lite/build/src/transform";
import type { TopLevelParameter } from "vega-lite/build/src/spec/toplevel";
import type { Data } from "vega-lite/build/src/data";
import { displayBundle } from "./display";
import { ArrayInput, isTensor, toVector, jsonNumber } from "./data";
import { saveSpec, SaveOptions } from "./save";

/** The `$schema` of every spec this module produces. */
export const VEGA_LITE_SCHEMA = VEGA_LITE_V5_SCHEMA;

/** A plain JSON-like object (a piece of a Vega-Lite spec). */
export type SpecObject = Record<string, unknown>;

/** A mark type: a Vega-Lite primitive mark or a composite mark (boxplot, errorbar, errorband). */
export type MarkType = Mark | CompositeMark;

/** Mark properties (everything of a Vega-Lite mark definition but its type). */
export type MarkProps = Omit<MarkDef<Mark>, "type"> & SpecObject;

/**
 * Encodings: Vega-Lite channel definitions, or Altair-style shorthand strings
 * (`"x:Q"`, `"label:N"`, `"mean(y):Q"`, `"count()"`).
 */
export type EncodingInput = { [K in keyof Encoding<string>]?: Encoding<string>[K] | string };

/** Columns of equal length: tensors, typed arrays, number arrays, or string arrays. */
export interface ColumnData {
  [column: string]: ArrayInput | readonly string[];
}

/** Chart data: rows (objects), columns (`{x: tensor, y: tensor}`), or a Vega-Lite data object (`{values}`, `{url}`). */
export type ChartData = ReadonlyArray<Record<string, unknown>> | ColumnData | Data;

/** Size, title and other view properties of a chart. */
export interface ChartProperties {
  title?: string | string[] | SpecObject;
  width?: number | "container" | SpecObject;
  height?: number | "container" | SpecObject;
  description?: string;
  name?: string;
  resolve?: SpecObject;
  /** Top-level only: background colour, padding, autosize. */
  background?: string;
  padding?: number | SpecObject;
  autosize?: string | SpecObject;
}

const TOP_LEVEL_KEYS = ["background", "padding", "autosize"] as const;
const TYPE_CODES: Readonly<Record<string, string>> = { Q: "quantitative", N: "nominal", O: "ordinal", T: "temporal" };

/**
 * Parses an Altair-style shorthand: `"field:Q"`, `"mean(field):Q"`, `"count()"`.
 * @example parseShorthand("y:Q") // { field: "y", type: "quantitative" }
 */
export function parseShorthand(s: string): SpecObject {
  const m = /^(?:(\w+)\((.*)\)|(.*?))(?::([QNOT]))?$/.exec(s.trim());
  if (!m) return { field: s };
  const out: SpecObject = {};
  if (m[1] !== undefined) {
    out.aggregate = m[1];
    if (m[2]) out.field = m[2];
  } else out.field = m[3];
  if (m[4]) out.type = TYPE_CODES[m[4]];
  else if (m[1] === "count") out.type = "quantitative";
  else if (m[1] !== undefined) out.type = "quantitative";
  return out;
}

const DATA_KEYS = ["values", "url", "name", "sequence", "sphere", "graticule"];
const isVlData = (d: object): boolean => DATA_KEYS.some((k) => k in d);

/**
 * Converts chart data to a Vega-Lite data object: columns become rows, tensors become
 * numbers, NaN and ±Infinity become null (invalid values for Vega-Lite).
 * @example toVegaData({ x: [1, 2], y: torch.tensor([3, 4]) }) // { values: [{x: 1, y: 3}, {x: 2, y: 4}] }
 */
export function toVegaData(data: ChartData): SpecObject {
  if (Array.isArray(data)) return { values: data.map((r) => ({ ...(r as object) })) };
  if (isVlData(data as object)) return { ...(data as SpecObject) };
  const cols = data as ColumnData;
  const names = Object.keys(cols);
  const converted: Array<ArrayLike<number | string | null>> = names.map((k) => {
    const c = cols[k];
    if (Array.isArray(c) && c.some((v) => typeof v === "string")) return c as readonly string[];
    if (!isTensor(c) && !Array.isArray(c) && !ArrayBuffer.isView(c)) throw new TypeError(`column '${k}' must be an array or a tensor`);
    return Array.from(toVector(c as ArrayInput, k), jsonNumber);
  });
  const n = converted.length ? converted[0].length : 0;
  converted.forEach((c, i) => {
    if (c.length !== n) throw new Error(`columns '${names[0]}' and '${names[i]}' must have the same length, but have ${n} and ${c.length}`);
  });
  const rows: SpecObject[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const row: SpecObject = {};
    names.forEach((k, i) => { row[k] = converted[i][r]; });
    rows[r] = row;
  }
  return { values: rows };
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)) as T);

/**
 * A Vega-Lite chart under construction. Every method returns a new chart.
 * @example
 * const c = new Chart({ x: [1, 2, 3], y: [2, 4, 3] }).mark("line").encode({ x: "x:Q", y: "y:Q" });
 * c.toSpec(); // a Vega-Lite v5 spec
 */
export class Chart {
  /** The view spec (unit, layer or concat), without top-level-only fields. */
  protected readonly spec: SpecObject;
  /** Top-level-only fields: config, background, padding, autosize. */
  protected readonly top: SpecObject;

  /**
   * Creates a chart, optionally with data (rows, columns or a Vega-Lite data object).
   * @example new Chart([{ a: 1, b: 2 }]).mark("point").encode({ x: "a:Q", y: "b:Q" })
   */
  constructor(data?: ChartData) {
    this.spec = data === undefined ? {} : { data: toVegaData(data) };
    this.top = {};
  }

  /** @internal a chart from an existing spec */
  static fromSpec(spec: SpecObject, top: SpecObject = {}): Chart {
    const c = new Chart();
    Object.assign(c.spec, spec);
    Object.assign(c.top, top);
    return c;
  }

  private with(spec: SpecObject, top: SpecObject = this.top): Chart {
    return Chart.fromSpec(spec, top);
  }

  /** The view spec as it stands (a deep copy), e.g. for nesting in hand-written specs. @example chart(d).mark("bar").view() */
  view(): SpecObject {
    return clone(this.spec);
  }

  /**
   * Sets the mark: `"point"`, `"line"`, `"bar"`, `"area"`, `"rect"`, `"rule"`, `"text"`, ...
   * with optional properties (colour, size, opacity, strokeDash, ...).
   * @example chart(d).mark("line", { color: "#d62728", strokeWidth: 2 })
   */
  mark(type: MarkType, props: MarkProps = {}): Chart {
    if (this.spec.layer || this.spec.hconcat || this.spec.vconcat || this.spec.concat) {
      throw new Error("mark() applies to a single view, not to a layered or concatenated chart");
    }
    const mark = Object.keys(props).length ? { type, ...clone(props) } : type;
    return this.with({ ...this.spec, mark });
  }

  /**
   * Adds or replaces encodings; strings are Altair-style shorthands (`"x:Q"`).
   * @example chart(d).mark("point").encode({ x: "x:Q", y: "y:Q", color: "label:N" })
   */
  encode(encoding: EncodingInput): Chart {
    const enc: SpecObject = { ...((this.spec.encoding as SpecObject) ?? {}) };
    for (const [k, v] of Object.entries(encoding)) {
      if (v === undefined) continue;
      if (typeof v === "string") enc[k] = parseShorthand(v);
      else if (Array.isArray(v)) enc[k] = v.map((e) => (typeof e === "string" ? parseShorthand(e) : clone(e)));
      else enc[k] = clone(v);
    }
    return this.with({ ...this.spec, encoding: enc });
  }

  /**
   * Appends data transforms (filter, calculate, aggregate, bin, fold, window, ...).
   * @example chart(d).transform({ filter: "datum.y > 0" }).mark("point")
   */
  transform(...transforms: Transform[]): Chart {
    const t = [...((this.spec.transform as unknown[]) ?? []), ...clone(transforms)];
    return this.with({ ...this.spec, transform: t });
  }

  /**
   * Adds parameters: variables or selections (`{name: "brush", select: "interval"}`). On a
   * layered chart, selections go to the first layer (Vega-Lite defines them on a view).
   * @example chart(d).mark("point").param({ name: "pick", select: { type: "point", fields: ["label"] } })
   */
  param(...params: TopLevelParameter[]): Chart {
    if (Array.isArray(this.spec.layer) && this.spec.layer.length) {
      const layers = clone(this.spec.layer as SpecObject[]);
      const selections = params.filter((p) => "select" in p);
      const variables = params.filter((p) => !("select" in p));
      layers[0].params = [...((layers[0].params as unknown[]) ?? []), ...clone(selections)];
      const spec: SpecObject = { ...this.spec, layer: layers };
      if (variables.length) spec.params = [...((this.spec.params as unknown[]) ?? []), ...clone(variables)];
      return this.with(spec);
    }
    return this.with({ ...this.spec, params: [...((this.spec.params as unknown[]) ?? []), ...clone(params)] });
  }

  /**
   * Pan and zoom with the mouse (an interval selection bound to the scales).
   * @example chart(d).mark("point").encode({ x: "x:Q", y: "y:Q" }).interactive()
   */
  interactive(): Chart {
    return this.param({ name: `zoom${Math.abs(hashCode(JSON.stringify(this.spec))) % 100000}`, select: "interval", bind: "scales" });
  }

  /**
   * Sets view properties: title, width, height, description, resolve (and top-level
   * background, padding, autosize).
   * @example chart(d).mark("bar").properties({ title: "Counts", width: 300, height: 200 })
   */
  properties(props: ChartProperties): Chart {
    const spec = { ...this.spec };
    const top = { ...this.top };
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined) continue;
      if ((TOP_LEVEL_KEYS as readonly string[]).includes(k)) top[k] = clone(v);
      else spec[k] = clone(v);
    }
    return this.with(spec, top);
  }

  /**
   * Sets (merges) the Vega-Lite config of the top-level chart.
   * @example chart(d).mark("line").configure({ axis: { grid: false } })
   */
  configure(config: Config): Chart {
    return this.with(this.spec, { ...this.top, config: mergeDeep((this.top.config as SpecObject) ?? {}, clone(config) as SpecObject) });
  }

  /**
   * Layers other charts over this one (they share scales and axes).
   * @example chart(d).mark("point").encode(e).layer(chart(d).mark("line").encode(e))
   */
  layer(...charts: Chart[]): Chart {
    return layer(this, ...charts);
  }

  /**
   * The plain Vega-Lite v5 spec (with `$schema`), ready for vega-embed or the Vega editor.
   * @example JSON.stringify(chart(d).mark("point").toSpec())
   */
  toSpec(): TopLevelSpec {
    return { $schema: VEGA_LITE_SCHEMA, ...clone(this.top), ...clone(this.spec) } as unknown as TopLevelSpec;
  }

  /** The spec, so `JSON.stringify(chart)` gives Vega-Lite JSON. @example JSON.stringify(c) */
  toJSON(): TopLevelSpec {
    return this.toSpec();
  }

  /**
   * Writes the chart to a file chosen by extension: .svg, .png, .html or .json.
   * @example chart(d).mark("point").encode(e).save("out.png", { scale: 2 })
   */
  save(path: string, options: SaveOptions = {}): void {
    saveSpec(this.toSpec(), path, options);
  }

  /** A short description. @example String(c) // "Chart(line, 3 rows)" */
  toString(): string {
    return `Chart(${describe(this.spec)})`;
  }

  /** The Jupyter MIME bundle: Vega-Lite JSON, an SVG rendering, and text. @example c[Symbol.for("Jupyter.display")]() */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return displayBundle(this.toSpec(), this.toString());
  }

  /** @internal */
  _parts(): { spec: SpecObject; top: SpecObject } {
    return { spec: this.spec, top: this.top };
  }
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

function describe(spec: SpecObject): string {
  for (const k of ["layer", "hconcat", "vconcat", "concat"]) {
    const v = spec[k];
    if (Array.isArray(v)) return `${k}: ${v.map((s) => describe(s as SpecObject)).join(" + ")}`;
  }
  const mark = spec.mark;
  const type = typeof mark === "string" ? mark : mark && typeof mark === "object" ? String((mark as SpecObject).type) : "no mark";
  const values = (spec.data as SpecObject | undefined)?.values;
  return Array.isArray(values) ? `${type}, ${values.length} rows` : type;
}

function mergeDeep(a: SpecObject, b: SpecObject): SpecObject {
  const out: SpecObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev && v && typeof prev === "object" && typeof v === "object" && !Array.isArray(prev) && !Array.isArray(v)
      ? mergeDeep(prev as SpecObject, v as SpecObject) : v;
  }
  return out;
}

function compose(key: "layer" | "hconcat" | "vconcat" | "concat", charts: Chart[], extra: SpecObject = {}): Chart {
  let top: SpecObject = {};
  const children: SpecObject[] = [];
  for (const c of charts) {
    const parts = c._parts();
    top = mergeDeep(top, parts.top);
    if (key === "layer" && Array.isArray(parts.spec.layer) && Object.keys(parts.spec).every((k) => k === "layer")) {
      children.push(...clone(parts.spec.layer as SpecObject[]));
    } else children.push(clone(parts.spec));
  }
  return Chart.fromSpec({ [key]: children, ...extra }, top);
}

/**
 * A new chart, optionally with data: the builder's entry point (Altair's `alt.Chart`).
 * @example chart({ x: torch.arange(10), y: torch.randn(10) }).mark("point").encode({ x: "x:Q", y: "y:Q" })
 */
export function chart(data?: ChartData): Chart {
  return new Chart(data);
}

/**
 * Layers charts over each other (shared scales and axes by default).
 * @example layer(chart(d).mark("point").encode(e), chart(d).mark("line").encode(e))
 */
export function layer(...charts: Chart[]): Chart {
  return compose("layer", charts);
}

/**
 * Places charts side by side.
 * @example hconcat(left, right)
 */
export function hconcat(...charts: Chart[]): Chart {
  return compose("hconcat", charts);
}

/**
 * Stacks charts vertically.
 * @example vconcat(top, bottom)
 */
export function vconcat(...charts: Chart[]): Chart {
  return compose("vconcat", charts);
}

/** Options of {@link concat}. */
export interface ConcatOptions {
  /** Charts per row (the rest wrap); default: all in one row. */
  columns?: number;
  /** Pixels between charts (default 20). */
  spacing?: number;
}

/**
 * Places charts in a grid that wraps after `columns` charts.
 * @example concat([a, b, c, d], { columns: 2 })
 */
export function concat(charts: readonly Chart[], options: ConcatOptions = {}): Chart {
  const extra: SpecObject = {};
  if (options.columns !== undefined) extra.columns = options.columns;
  if (options.spacing !== undefined) extra.spacing = options.spacing;
  return compose("concat", [...charts], extra);
}
