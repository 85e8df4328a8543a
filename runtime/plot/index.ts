/**
 * torchlab/plot: plots as Vega-Lite. A pyplot-style facade (`plt.plot`, `plt.scatter`, ...,
 * `plt.show`, `plt.savefig`) and a chart builder (`chart(data).mark(...).encode(...)`) whose
 * `toSpec()` is a plain Vega-Lite v5 spec. Figures and charts display themselves in Jupyter.
 * @example
 * import * as plt from "torchlab/plot";
 * plt.plot(torch.linspace(0, 6, 100), torch.linspace(0, 6, 100).sin(), { label: "sin" });
 * plt.legend();
 * plt.savefig("sin.svg");
 */
export {
  figure, gcf, gca, sca, subplots, subplot, plot, scatter, bar, barh, hist, fillBetween, axhline, axvline,
  errorbar, imshow, text, xlabel, ylabel, title, suptitle, legend, xlim, ylim, xscale, yscale, xticks, yticks,
  grid, cla, clf, close, getFignums, savefig, show, setDisplayHook, getDisplayHook,
} from "./pyplot";
export type { DisplayHook, Subplots } from "./pyplot";
export { Figure, MATPLOTLIB_CONFIG } from "./figure";
export type { FigureOptions, SubplotsOptions } from "./figure";
export { Axes } from "./axes";
export type {
  PlotOptions, ScatterOptions, BarOptions, HistOptions, HistResult, FillOptions, LineRuleOptions, ErrorbarOptions,
  ImshowOptions, TextOptions, LegendOptions, GridOptions, ScaleType, PlotHandle, PlotArg,
} from "./axes";
export { Chart, chart, layer, hconcat, vconcat, concat, parseShorthand, toVegaData, VEGA_LITE_SCHEMA } from "./chart";
export type { ChartData, ColumnData, ChartProperties, ConcatOptions, EncodingInput, MarkType, MarkProps, SpecObject } from "./chart";
export { DEFAULT_CYCLE, BASE_COLORS, TABLEAU_COLORS, COLORMAPS, ColorCycle, toColor, colormap } from "./colors";
export type { ColorLike, ColormapScale } from "./colors";
export { MAX_LINE_POINTS, MAX_SCATTER_POINTS, MAX_IMAGE_PIXELS, SAMPLE_SEED, toNd, toVector, m4Indices, sampleIndices } from "./data";
export type { ArrayInput, NumericArray, NdValues } from "./data";
export { parseFmt } from "./styles";
export type { LineStyle, MarkerStyle, FormatSpec } from "./styles";
export { SAVE_FORMATS, saveSpec } from "./save";
export type { SaveFormat, SaveOptions } from "./save";
export type { TopLevelSpec } from "vega-lite";
export { renderSvg, renderPng, renderHtml } from "./render";
export type { PngOptions, HtmlOptions } from "./render";
export { displayBundle } from "./display";
