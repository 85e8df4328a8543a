/**
 * The Jupyter MIME bundle of a chart (see ARCHITECTURE.md, "Display protocol").
 */

import type { TopLevelSpec } from "vega-lite";
import { renderSvg, VEGA_LITE_V5_SCHEMA } from "./render";

/**
 * MIME type of a Vega-Lite v5 spec; JupyterLab renders it with its built-in vega extension.
 *
 * @example
 * displayBundle(spec, "chart")[VEGA_LITE_MIME]; // the spec as JSON
 */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
/**
 * MIME type of the SVG fallback (classic Notebook, nbconvert, GitHub).
 *
 * @example
 * displayBundle(spec, "chart")[SVG_MIME]; // "<svg ..."
 */
export const SVG_MIME = "image/svg+xml";

/**
 * The display bundle of a chart: the Vega-Lite spec (plain JSON, with the v5
 * `$schema`), an SVG rendered headlessly, and `text`. Deliberately no
 * `text/html`: JupyterLab would prefer it over its Vega-Lite renderer.
 * If the SVG cannot be rendered, the bundle still has the spec and the text,
 * and the text says why the picture is missing.
 *
 * @example
 * class Chart { [Symbol.for("Jupyter.display")]() { return displayBundle(this.toSpec(), "<Chart>"); } }
 */
export function displayBundle(spec: TopLevelSpec, text: string): Record<string, unknown> {
  let json: TopLevelSpec;
  try {
    json = JSON.parse(JSON.stringify(spec)) as TopLevelSpec;
  } catch (e) {
    // e.g. a cyclic object: nothing a notebook could store
    return { "text/plain": `${text}\n(chart could not be serialised: ${e instanceof Error ? e.message : String(e)})` };
  }
  if (json && typeof json === "object" && !("$schema" in json && json.$schema)) {
    json = { $schema: VEGA_LITE_V5_SCHEMA, ...json } as TopLevelSpec;
  }
  const bundle: Record<string, unknown> = { [VEGA_LITE_MIME]: json };
  try {
    // renderSvg works on its own copy: vega annotates (and may extend) the data objects it draws
    bundle[SVG_MIME] = renderSvg(json);
    bundle["text/plain"] = text;
  } catch (e) {
    bundle["text/plain"] = `${text}\n(SVG rendering failed: ${e instanceof Error ? e.message : String(e)})`;
  }
  return bundle;
}
