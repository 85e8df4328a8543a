/**
 * Writing a chart to a file, the format chosen by extension (or `format`): .svg, .png,
 * .html (standalone, vega-embed inlined) and .json (the Vega-Lite spec).
 */
import { writeFileSync } from "fs";
import { extname } from "path";
import type { TopLevelSpec } from "vega-lite";
import { renderHtml, renderPng, renderSvg } from "./render";

/** The file formats `savefig` / `Chart.save` write. */
export type SaveFormat = "svg" | "png" | "html" | "json";

/** The formats, in the order error messages list them. */
export const SAVE_FORMATS: readonly SaveFormat[] = ["svg", "png", "html", "json"];

/** Options of `savefig` and `Chart.save`. */
export interface SaveOptions {
  /** The format, when the file name's extension should not decide. */
  format?: SaveFormat;
  /** PNG only: pixels per CSS pixel (default 2; a 640×480 figure becomes 1280×960). */
  scale?: number;
  /** PNG only: matplotlib's `dpi`; `dpi: 100` is `scale: 1` (our figures are 100 px per inch). */
  dpi?: number;
}

/**
 * Writes a Vega-Lite spec to `path`; the format comes from `options.format` or the extension.
 * @example saveSpec(chart(d).mark("point").encode(e).toSpec(), "points.svg")
 */
export function saveSpec(spec: TopLevelSpec, path: string, options: SaveOptions = {}): void {
  const ext = extname(path).slice(1).toLowerCase();
  const format = (options.format ?? ext) as string;
  if (!(SAVE_FORMATS as readonly string[]).includes(format)) {
    const what = options.format ? `format '${options.format}'` : ext ? `extension '.${ext}'` : "a file name without an extension";
    throw new Error(`savefig: unsupported ${what} in '${path}'; supported formats: ${SAVE_FORMATS.map((f) => `.${f}`).join(", ")}`);
  }
  if (options.scale !== undefined && options.dpi !== undefined) throw new Error("savefig: give scale or dpi, not both");
  const scale = options.scale ?? (options.dpi !== undefined ? options.dpi / 100 : undefined);
  switch (format as SaveFormat) {
    case "svg": writeFileSync(path, renderSvg(spec)); break;
    case "png": writeFileSync(path, renderPng(spec, scale === undefined ? {} : { scale })); break;
    case "html": writeFileSync(path, renderHtml(spec)); break;
    case "json": writeFileSync(path, JSON.stringify(spec, null, 2) + "\n"); break;
  }
}
