/**
 * A figure (matplotlib's `Figure`): a grid of Axes, a size in inches at 100 dpi, an
 * optional super-title; it becomes one Vega-Lite spec (a layered chart for one axes, a
 * wrapped concat for a grid), displays itself in Jupyter and saves itself to files.
 */
import type { TopLevelSpec, Config } from "vega-lite";
import { Chart, SpecObject, concat } from "./chart";
import { Axes } from "./axes";
import { displayBundle } from "./display";
import { saveSpec, SaveOptions } from "./save";
import { PX_PER_PT, RC } from "./styles";

/** Options of `figure` / `new Figure`. */
export interface FigureOptions {
  /** Width and height in inches (default [6.4, 4.8], as matplotlib). */
  figsize?: readonly [number, number];
  /** Pixels per inch (default 100). */
  dpi?: number;
  /** Figure background (default "white"). */
  facecolor?: string;
}

/** Options of `subplots`. */
export interface SubplotsOptions extends FigureOptions {
  /** Share the x (or y) limits across all axes. */
  sharex?: boolean;
  sharey?: boolean;
  /** false: always return a 2-D array of axes (default true: squeeze 1-row/1-column grids). */
  squeeze?: boolean;
}

const FONT = "DejaVu Sans, Bitstream Vera Sans, Arial, Helvetica, sans-serif";
const pt = (v: number): number => Math.round(v * PX_PER_PT * 100) / 100;

/**
 * The Vega-Lite config that makes charts look like matplotlib's defaults: white background,
 * a black frame around each axes, no grid, outward black ticks, 10 pt labels, 12 pt titles.
 */
export const MATPLOTLIB_CONFIG: Config = {
  font: FONT,
  view: { stroke: "#000000", strokeWidth: pt(0.8) },
  axis: {
    domain: false, grid: false, gridColor: RC.gridColor, gridWidth: pt(RC.gridWidth),
    tickColor: "#000000", tickSize: pt(3.5), tickWidth: pt(0.8), labelColor: "#000000",
    labelFontSize: pt(RC.fontsize), titleFontSize: pt(RC.fontsize), titleFontWeight: "normal",
    titleColor: "#000000", labelFont: FONT, titleFont: FONT,
  },
  title: { fontSize: pt(RC.titlesize), fontWeight: "normal", font: FONT, color: "#000000", subtitleFontSize: pt(8), subtitleColor: "#555555", subtitleFont: FONT },
  legend: { labelFont: FONT, labelColor: "#000000", labelFontSize: pt(RC.fontsize) },
  text: { font: FONT },
};

let nextNumber = 1;

/**
 * A matplotlib-style figure: a grid of {@link Axes}.
 * @example
 * const fig = new Figure({ figsize: [8, 3] });
 * const ax = fig.addSubplot(1, 2, 1); ax.plot([1, 3, 2]);
 * fig.savefig("fig.svg");
 */
export class Figure {
  /** The figure's number (as `plt.figure(num)` uses). */
  readonly number: number;
  /** Width and height in inches. */
  figsize: [number, number];
  /** Pixels per inch. */
  dpi: number;
  /** Background colour. */
  facecolor: string;
  private grid?: { nrows: number; ncols: number };
  private axesList: Axes[] = [];
  private currentAxes?: Axes;
  private suptitleText?: string;

  /** Creates an empty figure. @example new Figure({ figsize: [4, 4] }) */
  constructor(options: FigureOptions = {}) {
    this.number = nextNumber++;
    const fs = options.figsize ?? RC.figsize;
    if (fs.length !== 2 || !(fs[0] > 0) || !(fs[1] > 0)) throw new Error(`figsize must be two positive numbers (inches), got [${fs.join(", ")}]`);
    this.figsize = [fs[0], fs[1]];
    this.dpi = options.dpi ?? RC.dpi;
    this.facecolor = options.facecolor ?? "white";
  }

  /** All axes of the figure, in grid order. @example fig.axes.length */
  get axes(): Axes[] {
    return [...this.axesList].sort((a, b) => a.row - b.row || a.col - b.col);
  }

  /**
   * The current axes, creating a single one if the figure has none (matplotlib's `gca`).
   * @example fig.gca().plot([1, 2])
   */
  gca(): Axes {
    if (!this.currentAxes) this.currentAxes = this.addSubplot(1, 1, 1);
    return this.currentAxes;
  }

  /** Makes `ax` the current axes. @example fig.sca(fig.axes[1]) */
  sca(ax: Axes): Axes {
    if (!this.axesList.includes(ax)) throw new Error("sca: the axes does not belong to this figure");
    this.currentAxes = ax;
    return ax;
  }

  /**
   * The axes at position `index` (1-based, row-major) of an `nrows`×`ncols` grid, created if
   * needed, as matplotlib's `add_subplot` / `plt.subplot`.
   * @example fig.addSubplot(2, 1, 2)
   */
  addSubplot(nrows = 1, ncols = 1, index = 1): Axes {
    for (const [n, v] of [["nrows", nrows], ["ncols", ncols], ["index", index]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${n} must be a positive integer, got ${v}`);
    }
    if (index > nrows * ncols) throw new Error(`num must be an integer with 1 <= num <= ${nrows * ncols}, not ${index}`);
    if (this.grid && (this.grid.nrows !== nrows || this.grid.ncols !== ncols)) {
      if (this.axesList.every((a) => a.isEmpty())) this.axesList = [];
      else throw new Error(`this figure already has a ${this.grid.nrows}x${this.grid.ncols} grid of axes; mixing grids is not supported (call clf() first)`);
    }
    this.grid = { nrows, ncols };
    const row = Math.floor((index - 1) / ncols), col = (index - 1) % ncols;
    let ax = this.axesList.find((a) => a.row === row && a.col === col);
    if (!ax) {
      ax = new Axes(row, col);
      this.axesList.push(ax);
    }
    this.currentAxes = ax;
    return ax;
  }

  /**
   * Creates an `nrows`×`ncols` grid of axes (replacing existing ones); returns them as rows.
   * @example const rows = fig.subplots(2, 2); rows[1][0].plot([1, 2]);
   */
  subplots(nrows = 1, ncols = 1, options: Pick<SubplotsOptions, "sharex" | "sharey"> = {}): Axes[][] {
    this.axesList = [];
    this.grid = undefined;
    this.currentAxes = undefined;
    const rows: Axes[][] = [];
    for (let r = 0; r < nrows; r++) {
      const row: Axes[] = [];
      for (let c = 0; c < ncols; c++) row.push(this.addSubplot(nrows, ncols, r * ncols + c + 1));
      rows.push(row);
    }
    const all = rows.flat();
    if (options.sharex) all.forEach((a) => { a._sharex = all; });
    if (options.sharey) all.forEach((a) => { a._sharey = all; });
    this.currentAxes = all[0];
    return rows;
  }

  /** A title above all axes. @example fig.suptitle("training") */
  suptitle(text: string): this {
    this.suptitleText = text;
    return this;
  }

  /** Sets the size in inches. @example fig.setSizeInches(8, 6) */
  setSizeInches(width: number, height: number): this {
    if (!(width > 0) || !(height > 0)) throw new Error("figure size must be positive");
    this.figsize = [width, height];
    return this;
  }

  /** Removes all axes (matplotlib's `clf`). @example fig.clf() */
  clf(): this {
    this.axesList = [];
    this.grid = undefined;
    this.currentAxes = undefined;
    this.suptitleText = undefined;
    return this;
  }

  /** The plot-area size of one axes in pixels, from the figure size and grid (matplotlib's subplot margins). */
  private cellSize(): [number, number] {
    const { nrows, ncols } = this.grid ?? { nrows: 1, ncols: 1 };
    const W = this.figsize[0] * this.dpi * (RC.subplotRight - RC.subplotLeft);
    const H = this.figsize[1] * this.dpi * (RC.subplotTop - RC.subplotBottom);
    return [Math.round(W / (ncols + RC.wspace * (ncols - 1))), Math.round(H / (nrows + RC.hspace * (nrows - 1)))];
  }

  /**
   * The figure as a Chart (for further changes with the builder).
   * @example fig.toChart().properties({ title: "x" }).toSpec()
   */
  toChart(): Chart {
    const [w, h] = this.cellSize();
    let c: Chart;
    const axes = this.axes;
    if (axes.length === 0) {
      c = Chart.fromSpec({ data: { values: [] }, mark: { type: "point", opacity: 0 }, width: w, height: h, view: { stroke: null } });
    } else if (axes.length === 1 && (!this.grid || this.grid.nrows * this.grid.ncols === 1)) {
      c = axes[0].toChart(w, h);
    } else {
      const { nrows, ncols } = this.grid!;
      const cells: Chart[] = [];
      for (let r = 0; r < nrows; r++) for (let col = 0; col < ncols; col++) {
        const ax = axes.find((a) => a.row === r && a.col === col);
        cells.push(ax ? ax.toChart(w, h) : Chart.fromSpec({ data: { values: [] }, mark: { type: "point", opacity: 0 }, width: w, height: h, view: { stroke: null } }));
      }
      // Each axes has its own colours, legend and image colormap, as in matplotlib.
      const independent = { color: "independent", shape: "independent", fill: "independent", size: "independent" };
      c = concat(cells, { columns: ncols, spacing: Math.max(20, Math.round(RC.wspace * w * 0.6)) })
        .properties({ resolve: { scale: { ...independent }, legend: { ...independent } } });
    }
    if (this.suptitleText !== undefined) {
      const spec = c.view();
      const t = spec.title;
      if (t !== undefined && !spec.concat) c = concat([c], { columns: 1 });
      c = c.properties({ title: { text: this.suptitleText, anchor: "middle", fontSize: pt(RC.titlesize) } as SpecObject });
    }
    return c.properties({ background: this.facecolor }).configure(MATPLOTLIB_CONFIG);
  }

  /**
   * The figure as a plain Vega-Lite v5 spec.
   * @example JSON.stringify(plt.gcf().toSpec())
   */
  toSpec(): TopLevelSpec {
    return this.toChart().toSpec();
  }

  /** The spec, so `JSON.stringify(fig)` gives Vega-Lite JSON. @example JSON.stringify(fig) */
  toJSON(): TopLevelSpec {
    return this.toSpec();
  }

  /**
   * Writes the figure: `.svg`, `.png` (options `scale` or `dpi`), `.html` (standalone) or `.json` (the spec).
   * @example fig.savefig("fit.png", { dpi: 200 })
   */
  savefig(path: string, options: SaveOptions = {}): void {
    saveSpec(this.toSpec(), path, options);
  }

  /** matplotlib's repr. @example String(fig) // "<Figure size 640x480 with 1 Axes>" */
  toString(): string {
    const n = this.axesList.length;
    return `<Figure size ${Math.round(this.figsize[0] * this.dpi)}x${Math.round(this.figsize[1] * this.dpi)} with ${n} Axes>`;
  }

  /** The Jupyter MIME bundle (Vega-Lite JSON, SVG, text). @example fig[Symbol.for("Jupyter.display")]() */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return displayBundle(this.toSpec(), this.toString());
  }
}
