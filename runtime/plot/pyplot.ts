/**
 * The pyplot-style state machine: a current figure and current axes, and functions with
 * matplotlib.pyplot's names (camelCase) that draw on them.
 *
 * @example
 * import * as plt from "torchlab/plot";
 * plt.scatter(x, y, { label: "real curve", color: "b" });
 * plt.plot(x, yhat, { label: "fitting curve", color: "r" });
 * plt.legend();
 * plt.show();
 */
import {
  Axes, BarOptions, ErrorbarOptions, FillOptions, GridOptions, HistOptions, HistResult, ImshowOptions,
  LegendOptions, LineRuleOptions, PlotArg, PlotHandle, ScaleType, ScatterOptions, TextOptions,
} from "./axes";
import { Figure, FigureOptions, SubplotsOptions } from "./figure";
import type { ArrayInput } from "./data";
import type { SaveOptions } from "./save";

/** Called by `show()` with the figure to display (the Jupyter kernel installs one). */
export type DisplayHook = (figure: Figure) => void;

let displayHook: DisplayHook | undefined;
const figures = new Map<number, Figure>();
let current: Figure | undefined;

/**
 * Installs (or, with `undefined`, removes) the function `show()` uses to display a figure.
 * The kernel sets it so that `plt.show()` shows the figure inline.
 * @example setDisplayHook((fig) => display(fig));
 */
export function setDisplayHook(fn: DisplayHook | undefined): void {
  displayHook = fn;
}

/** The display hook in use, if any. @example getDisplayHook() === undefined // outside a kernel */
export function getDisplayHook(): DisplayHook | undefined {
  return displayHook;
}

/**
 * Makes a new current figure, or (with `num`) activates figure `num`, creating it if needed.
 * @example plt.figure({ figsize: [8, 4] })
 */
export function figure(options: FigureOptions & { num?: number } = {}): Figure {
  if (options.num !== undefined && figures.has(options.num)) {
    current = figures.get(options.num)!;
    return current;
  }
  const fig = new Figure(options);
  figures.set(options.num ?? fig.number, fig);
  current = fig;
  return fig;
}

/** The current figure, created if there is none. @example plt.gcf().savefig("out.svg") */
export function gcf(): Figure {
  return current ?? figure();
}

/** The current axes of the current figure, created if needed. @example plt.gca().setTitle("x") */
export function gca(): Axes {
  return gcf().gca();
}

/** Makes `ax` the current axes (and its figure current). @example plt.sca(axes[1]) */
export function sca(ax: Axes): Axes {
  for (const fig of figures.values()) {
    if (fig.axes.includes(ax)) {
      current = fig;
      return fig.sca(ax);
    }
  }
  throw new Error("sca: the axes belongs to no open figure");
}

/** `subplots` results: the figure and its axes (squeezed as matplotlib does). */
export interface Subplots<A> {
  fig: Figure;
  axes: A;
}

/**
 * A new figure with a grid of axes. As in matplotlib, `axes` is one Axes for 1×1, an array
 * for one row or column, and an array of rows otherwise (`squeeze: false`: always rows).
 * @example const { fig, axes } = plt.subplots(2, 2); axes[0][1].plot([1, 2]);
 */
export function subplots(nrows?: 1, ncols?: 1, options?: SubplotsOptions & { squeeze?: true }): Subplots<Axes>;
export function subplots(nrows: 1, ncols: number, options?: SubplotsOptions & { squeeze?: true }): Subplots<Axes[]>;
export function subplots(nrows: number, ncols?: 1, options?: SubplotsOptions & { squeeze?: true }): Subplots<Axes[]>;
export function subplots(nrows: number, ncols: number, options: SubplotsOptions & { squeeze: false }): Subplots<Axes[][]>;
export function subplots(nrows: number, ncols: number, options?: SubplotsOptions): Subplots<Axes[][]>;
export function subplots(nrows = 1, ncols = 1, options: SubplotsOptions = {}): Subplots<Axes | Axes[] | Axes[][]> {
  const fig = figure(options);
  const rows = fig.subplots(nrows, ncols, options);
  if (options.squeeze === false) return { fig, axes: rows };
  if (nrows === 1 && ncols === 1) return { fig, axes: rows[0][0] };
  if (nrows === 1) return { fig, axes: rows[0] };
  if (ncols === 1) return { fig, axes: rows.map((r) => r[0]) };
  return { fig, axes: rows };
}

/**
 * The current figure's axes at `index` (1-based) of an `nrows`×`ncols` grid; makes it current.
 * @example plt.subplot(1, 2, 2); plt.plot([1, 2]);
 */
export function subplot(nrows: number, ncols: number, index: number): Axes {
  return gcf().addSubplot(nrows, ncols, index);
}

/**
 * Lines and/or markers on the current axes: `plot(y)`, `plot(x, y)`, `plot(x, y, "r--")`,
 * with a trailing options object (color, linestyle, linewidth, marker, label, alpha).
 * @example plt.plot(x, yhat, { label: "fitting curve", color: "r" })
 */
export function plot(...args: PlotArg[]): PlotHandle[] {
  return gca().plot(...args);
}

/**
 * Points on the current axes (color/c, s, marker, label, alpha, cmap).
 * @example plt.scatter(x, y, { label: "real curve", color: "b" })
 */
export function scatter(x: ArrayInput, y: ArrayInput, options: ScatterOptions = {}): PlotHandle {
  return gca().scatter(x, y, options);
}

/** Vertical bars. @example plt.bar(["a", "b"], [3, 5]) */
export function bar(x: ArrayInput | readonly string[], height: ArrayInput | number, options: BarOptions = {}): PlotHandle {
  return gca().bar(x, height, options);
}

/** Horizontal bars. @example plt.barh(["a", "b"], [3, 5]) */
export function barh(y: ArrayInput | readonly string[], width: ArrayInput | number, options: BarOptions = {}): PlotHandle {
  return gca().barh(y, width, options);
}

/** A histogram; returns `{ n, bins }`. @example const { n } = plt.hist(torch.randn(1000), { bins: 20 }) */
export function hist(x: ArrayInput, options: HistOptions = {}): HistResult {
  return gca().hist(x, options);
}

/** Fills between two curves (`y2` defaults to 0). @example plt.fillBetween(x, lo, hi, { alpha: 0.2 }) */
export function fillBetween(x: ArrayInput, y1: ArrayInput | number, y2: ArrayInput | number = 0, options: FillOptions = {}): PlotHandle {
  return gca().fillBetween(x, y1, y2, options);
}

/** A horizontal line across the axes. @example plt.axhline(0, { color: "k" }) */
export function axhline(y = 0, options: LineRuleOptions = {}): PlotHandle {
  return gca().axhline(y, options);
}

/** A vertical line across the axes. @example plt.axvline(1, { linestyle: "--" }) */
export function axvline(x = 0, options: LineRuleOptions = {}): PlotHandle {
  return gca().axvline(x, options);
}

/** Data with error bars. @example plt.errorbar(x, y, { yerr: 0.1, fmt: "o" }) */
export function errorbar(x: ArrayInput, y: ArrayInput, options: ErrorbarOptions = {}): PlotHandle {
  return gca().errorbar(x, y, options);
}

/** An image (2-D with a colormap, or RGB). @example plt.imshow(img, { cmap: "gray" }) */
export function imshow(img: ArrayInput, options: ImshowOptions = {}): PlotHandle {
  return gca().imshow(img, options);
}

/** Text at data coordinates. @example plt.text(0.5, 1, "max") */
export function text(x: number, y: number, s: string, options: TextOptions = {}): PlotHandle {
  return gca().text(x, y, s, options);
}

/** The x-axis label. @example plt.xlabel("epoch") */
export function xlabel(label: string): Axes {
  return gca().setXlabel(label);
}

/** The y-axis label. @example plt.ylabel("loss") */
export function ylabel(label: string): Axes {
  return gca().setYlabel(label);
}

/** The axes title. @example plt.title("training loss") */
export function title(label: string): Axes {
  return gca().setTitle(label);
}

/** A title over the whole figure. @example plt.suptitle("results") */
export function suptitle(text: string): Figure {
  return gcf().suptitle(text);
}

/** Shows a legend of the labelled artists. @example plt.legend({ loc: "upper left" }) */
export function legend(options: LegendOptions | readonly string[] = {}): Axes {
  return gca().legend(options);
}

/** Gets or sets the x limits. @example plt.xlim(0, 10) */
export function xlim(left?: number | readonly [number, number], right?: number): [number, number] {
  return gca().xlim(left, right);
}

/** Gets or sets the y limits. @example plt.ylim(-1, 1) */
export function ylim(bottom?: number | readonly [number, number], top?: number): [number, number] {
  return gca().ylim(bottom, top);
}

/** The x scale ("linear", "log", "symlog"). @example plt.xscale("log") */
export function xscale(scale: ScaleType): Axes {
  return gca().setXscale(scale);
}

/** The y scale. @example plt.yscale("log") */
export function yscale(scale: ScaleType): Axes {
  return gca().setYscale(scale);
}

/** Tick positions and labels of the x axis. @example plt.xticks([0, 1], ["no", "yes"]) */
export function xticks(ticks: ArrayInput, labels?: readonly string[]): Axes {
  return gca().setXticks(ticks, labels);
}

/** Tick positions and labels of the y axis. @example plt.yticks([0, 0.5, 1]) */
export function yticks(ticks: ArrayInput, labels?: readonly string[]): Axes {
  return gca().setYticks(ticks, labels);
}

/** Grid lines on or off (toggles without an argument). @example plt.grid(true) */
export function grid(visible?: boolean, options: GridOptions = {}): Axes {
  return gca().grid(visible, options);
}

/** Clears the current axes. @example plt.cla() */
export function cla(): Axes {
  return gca().cla();
}

/** Clears the current figure. @example plt.clf() */
export function clf(): Figure {
  return gcf().clf();
}

/**
 * Closes a figure (default: the current one; "all": every figure); the next drawing call
 * starts a new figure.
 * @example plt.close("all")
 */
export function close(fig?: Figure | number | "all"): void {
  if (fig === "all") {
    figures.clear();
    current = undefined;
    return;
  }
  const target = fig === undefined ? current : typeof fig === "number" ? figures.get(fig) : fig;
  if (!target) return;
  for (const [k, f] of figures) if (f === target) figures.delete(k);
  if (current === target) current = [...figures.values()].pop();
}

/** The numbers of the open figures. @example plt.getFignums() // [1] */
export function getFignums(): number[] {
  return [...figures.keys()];
}

/**
 * Writes the current figure to a file chosen by extension: .svg, .png, .html, .json.
 * @example plt.savefig("fit.png", { scale: 2 })
 */
export function savefig(path: string, options: SaveOptions = {}): void {
  gcf().savefig(path, options);
}

/**
 * Displays the current figure: in a Jupyter kernel through the display hook; elsewhere it
 * prints a hint to use `savefig` (stderr). In a kernel the figure is closed afterwards, so the
 * next drawing starts a new one (as with matplotlib's inline backend); outside one it stays
 * current, so a following `plt.savefig(...)` still writes it. Returns the figure.
 * @example plt.plot([1, 2, 3]); plt.show();
 */
export function show(): Figure {
  const fig = gcf();
  if (displayHook) {
    displayHook(fig);
    close(fig);
  } else {
    process.stderr.write(
      `plt.show(): no display here (not running in a Jupyter kernel). Use plt.savefig("figure.svg") ` +
      `(or .png, .html, .json) to write ${fig.toString()} to a file.\n`,
    );
  }
  return fig;
}
