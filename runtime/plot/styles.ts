/**
 * matplotlib's line and marker styles in Vega terms: format strings ("r--o"), line
 * styles, marker shapes, and the rcParams defaults (sizes in points, converted to the
 * pixels of a 100-dpi figure).
 */
import { BASE_COLORS } from "./colors";

/** Pixels per point in a 100-dpi figure (matplotlib's default `figure.dpi`). */
export const PX_PER_PT = 100 / 72;

/** matplotlib's rcParams defaults that the facade follows. */
export const RC = Object.freeze({
  figsize: [6.4, 4.8] as const,
  dpi: 100,
  linewidth: 1.5, // pt
  markersize: 6, // pt
  fontsize: 10, // pt
  titlesize: 12, // pt
  subplotLeft: 0.125, subplotRight: 0.9, subplotBottom: 0.11, subplotTop: 0.88,
  wspace: 0.2, hspace: 0.2,
  margin: 0.05,
  gridColor: "#b0b0b0", gridWidth: 0.8, // pt
});

/** A line style: matplotlib's names or symbols, or an explicit dash pattern in points. */
export type LineStyle = "-" | "--" | "-." | ":" | "solid" | "dashed" | "dashdot" | "dotted" | "None" | "none" | " " | "" | readonly number[];

/** Marker symbols matplotlib knows (`matplotlib.markers`). */
export type MarkerStyle =
  | "." | "," | "o" | "v" | "^" | "<" | ">" | "1" | "2" | "3" | "4" | "8" | "s" | "p" | "P" | "*"
  | "h" | "H" | "+" | "x" | "X" | "D" | "d" | "|" | "_" | "None" | "none" | "" | " ";

const MARKER_CHARS = ".,ov^<>12348spP*hH+xXDd|_";

interface MarkerShape {
  shape: string;
  filled: boolean;
  scale: number; // area factor relative to the marker size
}

const polygon = (n: number, r = 1, rot = -Math.PI / 2): string => {
  const pts = Array.from({ length: n }, (_, i) => {
    const a = rot + (2 * Math.PI * i) / n;
    return `${(r * Math.cos(a)).toFixed(3)},${(r * Math.sin(a)).toFixed(3)}`;
  });
  return `M${pts.join("L")}Z`;
};
const star = (): string => {
  const pts = Array.from({ length: 10 }, (_, i) => {
    const a = -Math.PI / 2 + (Math.PI * i) / 5;
    const r = i % 2 ? 0.382 : 1;
    return `${(r * Math.cos(a)).toFixed(3)},${(r * Math.sin(a)).toFixed(3)}`;
  });
  return `M${pts.join("L")}Z`;
};

const MARKERS: Readonly<Record<string, MarkerShape>> = {
  ".": { shape: "circle", filled: true, scale: 0.25 },
  ",": { shape: "square", filled: true, scale: 0.03 },
  o: { shape: "circle", filled: true, scale: 1 },
  "8": { shape: polygon(8), filled: true, scale: 1 },
  v: { shape: "triangle-down", filled: true, scale: 1 },
  "^": { shape: "triangle-up", filled: true, scale: 1 },
  "<": { shape: "triangle-left", filled: true, scale: 1 },
  ">": { shape: "triangle-right", filled: true, scale: 1 },
  "1": { shape: "M0,0L0,1M0,0L-0.866,-0.5M0,0L0.866,-0.5", filled: false, scale: 1 },
  "2": { shape: "M0,0L0,-1M0,0L-0.866,0.5M0,0L0.866,0.5", filled: false, scale: 1 },
  "3": { shape: "M0,0L1,0M0,0L-0.5,-0.866M0,0L-0.5,0.866", filled: false, scale: 1 },
  "4": { shape: "M0,0L-1,0M0,0L0.5,-0.866M0,0L0.5,0.866", filled: false, scale: 1 },
  s: { shape: "square", filled: true, scale: 0.8 },
  p: { shape: polygon(5), filled: true, scale: 1 },
  P: { shape: "cross", filled: true, scale: 1 },
  "*": { shape: star(), filled: true, scale: 1.4 },
  h: { shape: polygon(6), filled: true, scale: 1 },
  H: { shape: polygon(6, 1, 0), filled: true, scale: 1 },
  "+": { shape: "M-1,0L1,0M0,-1L0,1", filled: false, scale: 1 },
  x: { shape: "M-1,-1L1,1M-1,1L1,-1", filled: false, scale: 0.6 },
  X: { shape: "M-0.4,-1L0,-0.6L0.4,-1L1,-0.4L0.6,0L1,0.4L0.4,1L0,0.6L-0.4,1L-1,0.4L-0.6,0L-1,-0.4Z", filled: true, scale: 0.8 },
  D: { shape: "diamond", filled: true, scale: 0.8 },
  d: { shape: "M0,-1L0.6,0L0,1L-0.6,0Z", filled: true, scale: 0.8 },
  "|": { shape: "M0,-1L0,1", filled: false, scale: 1 },
  _: { shape: "M-1,0L1,0", filled: false, scale: 1 },
};

/**
 * Vega symbol properties for a matplotlib marker (`shape`, `filled`, `size` in px²).
 * @example markerProps("o", 6) // { shape: "circle", filled: true, size: 69.4... }
 */
export function markerProps(marker: string, markersize: number = RC.markersize): { shape: string; filled: boolean; size: number } {
  const m = MARKERS[marker];
  if (!m) throw new Error(`Unrecognized marker style '${marker}' (use one of ${MARKER_CHARS.split("").join(" ")})`);
  const d = markersize * PX_PER_PT;
  return { shape: m.shape, filled: m.filled, size: d * d * m.scale };
}

/** True when the marker means "no marker". @example noMarker("None") // true */
export const noMarker = (m: string | undefined): boolean => m === undefined || m === "" || m === " " || m === "None" || m === "none";

/**
 * A Vega `strokeDash` for a matplotlib line style (dash lengths scale with the line
 * width, as matplotlib's `lines.scale_dashes` does); undefined for solid lines.
 * @example dashFor("--", 1.5) // [7.7, 3.3]
 */
export function dashFor(style: LineStyle, linewidthPt: number = RC.linewidth): number[] | undefined {
  const lw = Math.max(linewidthPt, 0) * PX_PER_PT;
  const scaled = (p: readonly number[]) => p.map((v) => Math.round(v * lw * 100) / 100);
  if (Array.isArray(style)) return style.map((v: number) => v * PX_PER_PT);
  switch (style) {
    case "-": case "solid": return undefined;
    case "--": case "dashed": return scaled([3.7, 1.6]);
    case "-.": case "dashdot": return scaled([6.4, 1.6, 1, 1.6]);
    case ":": case "dotted": return scaled([1, 1.65]);
    default: throw new Error(`'${String(style)}' is not a valid value for linestyle; supported values are '-', '--', '-.', ':', 'None', 'solid', 'dashed', 'dashdot', 'dotted'`);
  }
}

/** True when the line style draws no line. @example noLine("None") // true */
export const noLine = (s: LineStyle | undefined): boolean => s === "None" || s === "none" || s === " " || s === "";

/** A parsed matplotlib format string. */
export interface FormatSpec {
  color?: string;
  marker?: string;
  linestyle?: LineStyle;
}

/**
 * Parses a matplotlib format string `[marker][line][color]` ("ro", "b--", "k:.", "C2-").
 * @example parseFmt("r--") // { color: "r", linestyle: "--" }
 */
export function parseFmt(fmt: string): FormatSpec {
  const out: FormatSpec = {};
  let i = 0;
  const dup = (what: string) => { throw new Error(`Illegal format string "${fmt}"; two ${what} symbols`); };
  while (i < fmt.length) {
    const two = fmt.slice(i, i + 2);
    const c = fmt[i];
    if (two === "--" || two === "-.") {
      if (out.linestyle !== undefined) dup("linestyle");
      out.linestyle = two as LineStyle;
      i += 2;
    } else if (c === "-" || c === ":") {
      if (out.linestyle !== undefined) dup("linestyle");
      out.linestyle = c as LineStyle;
      i += 1;
    } else if (c === "C" && /\d/.test(fmt[i + 1] ?? "")) {
      if (out.color !== undefined) dup("color");
      const m = /^C\d+/.exec(fmt.slice(i))![0];
      out.color = m;
      i += m.length;
    } else if (c in BASE_COLORS) {
      if (out.color !== undefined) dup("color");
      out.color = c;
      i += 1;
    } else if (MARKER_CHARS.includes(c)) {
      if (out.marker !== undefined) dup("marker");
      out.marker = c;
      i += 1;
    } else {
      throw new Error(`'${c}' is not a valid format string (unrecognized character '${c}' in "${fmt}")`);
    }
  }
  return out;
}
