/**
 * Colours as matplotlib names them: the default cycle (tab10), the single-letter
 * colours, `C0`..`C9`, `tab:*` names, grey levels, RGB(A) tuples, and colormaps
 * for `imshow` mapped onto Vega colour schemes. CSS names and hex strings pass through.
 */

/** matplotlib's default property cycle (`axes.prop_cycle`, the tab10 palette). */
export const DEFAULT_CYCLE: readonly string[] = Object.freeze([
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]);

/** matplotlib's single-letter "base colours" (`matplotlib.colors.BASE_COLORS`). */
export const BASE_COLORS: Readonly<Record<string, string>> = Object.freeze({
  b: "#0000ff", g: "#008000", r: "#ff0000", c: "#00bfbf",
  m: "#bf00bf", y: "#bfbf00", k: "#000000", w: "#ffffff",
});

/** The Tableau palette under matplotlib's `tab:` names (`matplotlib.colors.TABLEAU_COLORS`). */
export const TABLEAU_COLORS: Readonly<Record<string, string>> = Object.freeze({
  "tab:blue": "#1f77b4", "tab:orange": "#ff7f0e", "tab:green": "#2ca02c", "tab:red": "#d62728",
  "tab:purple": "#9467bd", "tab:brown": "#8c564b", "tab:pink": "#e377c2", "tab:gray": "#7f7f7f",
  "tab:grey": "#7f7f7f", "tab:olive": "#bcbd22", "tab:cyan": "#17becf",
});

/** A colour as matplotlib accepts it: a name/hex/`C3`/grey-level string, or an RGB(A) tuple in [0, 1]. */
export type ColorLike = string | readonly [number, number, number] | readonly [number, number, number, number];

const hex2 = (v: number): string => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, "0");

/**
 * Converts a matplotlib colour to a string Vega understands (hex where matplotlib defines
 * the colour, otherwise the CSS name or hex unchanged).
 * @example toColor("b") // "#0000ff"
 * @example toColor("C1") // "#ff7f0e"
 */
export function toColor(c: ColorLike): string {
  if (typeof c !== "string") {
    if (!Array.isArray(c) || (c.length !== 3 && c.length !== 4) || c.some((v) => typeof v !== "number" || !(v >= 0 && v <= 1))) {
      throw new Error(`Invalid RGBA argument: ${JSON.stringify(c)}; expected 3 or 4 numbers in [0, 1]`);
    }
    return `#${hex2(c[0])}${hex2(c[1])}${hex2(c[2])}${c.length === 4 ? hex2(c[3] as number) : ""}`;
  }
  const s = c.trim();
  if (s in BASE_COLORS) return BASE_COLORS[s];
  const low = s.toLowerCase();
  if (low in TABLEAU_COLORS) return TABLEAU_COLORS[low];
  const cyc = /^C(\d+)$/.exec(s);
  if (cyc) return DEFAULT_CYCLE[Number(cyc[1]) % DEFAULT_CYCLE.length];
  if (/^(0(\.\d*)?|1(\.0*)?|\.\d+)$/.test(s)) return `#${hex2(Number(s)).repeat(3)}`; // grey level "0.5"
  if (/^#([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(s)) return low;
  if (/^[a-z]+$/i.test(s) || /^(rgb|rgba|hsl|hsla)\(/i.test(s)) return low; // CSS names and functions
  throw new Error(`Invalid color: ${JSON.stringify(c)} (use a name, hex, 'C0'..'C9', 'tab:blue', a grey level or an RGB tuple)`);
}

/**
 * The colour cycle of one axes: `next()` gives the next default colour, as matplotlib's
 * prop cycler does for `plot`, `scatter`, `bar`, `hist`, `fillBetween` and `errorbar`.
 * @example const c = new ColorCycle(); c.next(); // "#1f77b4"
 */
export class ColorCycle {
  private i = 0;
  /** Creates a cycle over `colors` (default: matplotlib's tab10 cycle). @example new ColorCycle(["red", "blue"]) */
  constructor(private readonly colors: readonly string[] = DEFAULT_CYCLE) {}
  /** The next colour, advancing the cycle. @example cycle.next() */
  next(): string {
    const c = this.colors[this.i % this.colors.length];
    this.i++;
    return c;
  }
  /** Back to the first colour (what `cla()` does). @example cycle.reset() */
  reset(): void {
    this.i = 0;
  }
}

/** A Vega-Lite colour scale for a colormap: a named Vega scheme or an explicit colour range. */
export interface ColormapScale {
  scheme?: string;
  range?: string[];
  reverse?: boolean;
}

const SCHEMES: Readonly<Record<string, ColormapScale>> = {
  viridis: { scheme: "viridis" }, plasma: { scheme: "plasma" }, inferno: { scheme: "inferno" },
  magma: { scheme: "magma" }, cividis: { scheme: "cividis" }, turbo: { scheme: "turbo" },
  gray: { range: ["#000000", "#ffffff"] }, grey: { range: ["#000000", "#ffffff"] },
  binary: { range: ["#ffffff", "#000000"] }, gist_yarg: { range: ["#ffffff", "#000000"] },
  greys: { scheme: "greys" }, blues: { scheme: "blues" }, greens: { scheme: "greens" },
  reds: { scheme: "reds" }, oranges: { scheme: "oranges" }, purples: { scheme: "purples" },
  ylgn: { scheme: "yellowgreen" }, ylgnbu: { scheme: "yellowgreenblue" }, ylorrd: { scheme: "yelloworangered" },
  ylorbr: { scheme: "yelloworangebrown" }, bugn: { scheme: "bluegreen" }, bupu: { scheme: "bluepurple" },
  rdbu: { scheme: "redblue" }, rdylbu: { scheme: "redyellowblue" }, rdylgn: { scheme: "redyellowgreen" },
  piyg: { scheme: "pinkyellowgreen" }, prgn: { scheme: "purplegreen" }, brbg: { scheme: "brownbluegreen" },
  puor: { scheme: "purpleorange" }, rdgy: { scheme: "redgrey" }, spectral: { scheme: "spectral" },
  coolwarm: { range: ["#3b4cc0", "#dddddd", "#b40426"] }, bwr: { range: ["#0000ff", "#ffffff", "#ff0000"] },
  seismic: { range: ["#00004c", "#0000ff", "#ffffff", "#ff0000", "#7f0000"] },
  hot: { range: ["#0b0000", "#ff0000", "#ffff00", "#ffffff"] },
  jet: { range: ["#00007f", "#0000ff", "#007fff", "#00ffff", "#7fff7f", "#ffff00", "#ff7f00", "#ff0000", "#7f0000"] },
  rainbow: { scheme: "rainbow" }, twilight: { scheme: "sinebow" }, hsv: { scheme: "sinebow" },
  tab10: { scheme: "tableau10" }, tab20: { scheme: "tableau20" },
};

/** The colormap names `imshow` and `scatter(..., {c})` accept (each also with a `_r` suffix). */
export const COLORMAPS: readonly string[] = Object.freeze(Object.keys(SCHEMES));

/**
 * Maps a matplotlib colormap name (`viridis`, `gray`, `Blues`, `RdBu_r`, ...) to a
 * Vega-Lite colour scale.
 * @example colormap("gray") // { range: ["#000000", "#ffffff"] }
 */
export function colormap(name = "viridis"): ColormapScale {
  const reversed = name.endsWith("_r");
  const key = (reversed ? name.slice(0, -2) : name).toLowerCase();
  const base = SCHEMES[key];
  if (!base) throw new Error(`'${name}' is not a known colormap name; supported: ${COLORMAPS.join(", ")} (and their _r versions)`);
  const out: ColormapScale = base.range ? { range: [...base.range] } : { scheme: base.scheme };
  if (reversed) {
    if (out.range) out.range.reverse();
    else out.reverse = true;
  }
  return out;
}
