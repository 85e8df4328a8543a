// Headless rendering of Vega-Lite specs (runtime/plot/render.ts) and the
// chart display bundle (runtime/plot/display.ts).
import { afterEach, describe, expect, it } from "@jest/globals";
import type { TopLevelSpec } from "vega-lite";
import * as torch from "../runtime/index";
import * as plt from "../runtime/plot/index";
import { renderHtml, renderPng, renderSvg, renderSvgAsync, VEGA_LITE_V5_SCHEMA } from "../runtime/plot/render";
import { displayBundle } from "../runtime/plot/display";

const SCHEMA = VEGA_LITE_V5_SCHEMA;

/** The chapter's figure, written by hand: 32 blue points "real curve", a red line "fitting curve", a legend. */
function chapterSpec(): TopLevelSpec {
  const xs = Array.from({ length: 32 }, (_, i) => -1 + (2 * i) / 31);
  return {
    $schema: SCHEMA,
    width: 400,
    height: 300,
    layer: [
      {
        data: { values: xs.map((x) => ({ x, y: x ** 3 - x + 0.1 * Math.sin(9 * x), series: "real curve" })) },
        mark: { type: "point", filled: true, size: 30, opacity: 1 },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "y", type: "quantitative" },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            scale: { domain: ["real curve", "fitting curve"], range: ["#0000ff", "#ff0000"] },
          },
        },
      },
      {
        data: { values: xs.map((x) => ({ x, y: 0.8 * x ** 3 - 0.7 * x, series: "fitting curve" })) },
        mark: { type: "line" },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "y", type: "quantitative" },
          color: { field: "series", type: "nominal" },
        },
      },
    ],
  };
}

/** The chapter's figure through the facade, from tensors, as a user writes it. */
function chapterFigure(): plt.Figure {
  const x = torch.linspace(-1, 1, 32);
  const y = x.pow(3).sub(x); // the real curve
  const fitted = x.pow(3).mul(0.8).sub(x.mul(0.7)); // what the model learned
  plt.figure();
  plt.scatter(x, y, { color: "b", label: "real curve" });
  plt.plot(x, fitted, "r", { label: "fitting curve" });
  plt.legend();
  return plt.gcf();
}

/** What a kernel calls on a value to display it. */
function jupyterDisplay(obj: object): Record<string, unknown> {
  const hook = (obj as Record<symbol, unknown>)[Symbol.for("Jupyter.display")];
  if (typeof hook !== "function") throw new Error("no Jupyter.display hook");
  return hook.call(obj) as Record<string, unknown>;
}

const barSpec: TopLevelSpec = {
  $schema: SCHEMA,
  data: { values: [{ a: "A", b: 28 }, { a: "B", b: 55 }, { a: "C", b: 43 }] },
  mark: "bar",
  encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } },
};

/** A heatmap with a gradient legend: its SVG has <defs> (a linearGradient). */
const heatSpec: TopLevelSpec = {
  $schema: SCHEMA,
  data: { values: [{ a: 1, b: 1, v: 3 }, { a: 2, b: 1, v: 1 }, { a: 1, b: 2, v: 0 }, { a: 2, b: 2, v: 2 }] },
  mark: "rect",
  encoding: {
    x: { field: "a", type: "ordinal" },
    y: { field: "b", type: "ordinal" },
    color: { field: "v", type: "quantitative", scale: { scheme: "viridis" } },
  },
};

/** Opening tags of vega's mark groups, e.g. `<g class="mark-symbol role-mark layer_0_marks" ...>`. */
function markGroups(svg: string, markType: string, role = "role-mark"): string[] {
  const re = new RegExp(`<g class="mark-${markType} ${role}[^"]*"[^>]*>([\\s\\S]*?)</g>`, "g");
  return [...svg.matchAll(re)].map((m) => m[1]);
}

/** Number of drawn items (one element each) in the mark groups of a type. */
function countItems(svg: string, markType: string, element = "path"): number {
  return markGroups(svg, markType)
    .map((body) => (body.match(new RegExp(`<${element}\\b`, "g")) ?? []).length)
    .reduce((a, b) => a + b, 0);
}

function legendLabels(svg: string): string[] {
  return markGroups(svg, "text", "role-legend-label").flatMap((body) =>
    [...body.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]),
  );
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  // 8-byte signature, then the IHDR chunk: length(4) "IHDR"(4) width(4) height(4)
  expect(String.fromCharCode(...png.subarray(12, 16))).toBe("IHDR");
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = svg.match(/^<svg[^>]*\bwidth="([\d.]+)" height="([\d.]+)"/);
  if (!m) throw new Error("no svg size");
  return { width: Number(m[1]), height: Number(m[2]) };
}

describe("the chapter's figure through the facade (from tensors)", () => {
  afterEach(() => plt.close("all"));

  it("draws 32 points in 'b', one line in 'r' and a legend with both labels", () => {
    // matplotlib's 'b' and 'r'
    expect(plt.BASE_COLORS.b).toBe("#0000ff");
    expect(plt.BASE_COLORS.r).toBe("#ff0000");
    const svg = renderSvg(chapterFigure().toSpec());
    expect(countItems(svg, "symbol")).toBe(32);
    const pointFills = [...markGroups(svg, "symbol").join("").matchAll(/fill="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(pointFills)).toEqual(new Set(["#0000ff"]));
    expect(markGroups(svg, "line")).toHaveLength(1);
    expect(countItems(svg, "line")).toBe(1);
    expect(markGroups(svg, "line")[0]).toMatch(/stroke="#ff0000"/);
    expect(legendLabels(svg)).toEqual(["real curve", "fitting curve"]);
    const swatches = markGroups(svg, "symbol", "role-legend-symbol").join("");
    expect(swatches).toContain("#0000ff");
    expect(swatches).toContain("#ff0000");
  });

  it("displays as the three-entry bundle, synchronously", () => {
    const fig = chapterFigure();
    const bundle = jupyterDisplay(fig);
    expect(bundle).not.toBeInstanceOf(Promise);
    expect(Object.keys(bundle).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    expect((bundle["application/vnd.vegalite.v5+json"] as { $schema: string }).$schema).toBe(SCHEMA);
    expect(bundle["image/svg+xml"]).toBe(renderSvg(fig.toSpec()));
    expect(typeof bundle["text/plain"]).toBe("string");
  });

  it("renders to PNG and HTML", () => {
    const spec = chapterFigure().toSpec();
    const { width, height } = svgSize(renderSvg(spec));
    expect(pngSize(renderPng(spec))).toEqual({ width: Math.round(2 * width), height: Math.round(2 * height) });
    expect(renderHtml(spec)).toContain('"real curve"');
  });
});

describe("renderSvg", () => {
  it("draws the chapter's figure: 32 blue points, one red line, a legend", () => {
    const svg = renderSvg(chapterSpec());
    expect(typeof svg).toBe("string");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');

    const symbols = markGroups(svg, "symbol");
    expect(symbols).toHaveLength(1);
    expect(countItems(svg, "symbol")).toBe(32);
    const pointFills = [...symbols[0].matchAll(/fill="([^"]+)"/g)].map((m) => m[1]);
    expect(pointFills).toHaveLength(32);
    expect(new Set(pointFills)).toEqual(new Set(["#0000ff"]));

    const lines = markGroups(svg, "line");
    expect(lines).toHaveLength(1);
    expect(countItems(svg, "line")).toBe(1);
    expect(lines[0]).toMatch(/stroke="#ff0000"/);

    expect(legendLabels(svg)).toEqual(["real curve", "fitting curve"]);
    // the legend's two swatches carry the two colours
    const swatches = markGroups(svg, "symbol", "role-legend-symbol").join("");
    expect(swatches).toContain("#0000ff");
    expect(swatches).toContain("#ff0000");
  });

  it("is synchronous and matches vega's own asynchronous view.toSVG()", async () => {
    const interval: TopLevelSpec = {
      $schema: SCHEMA,
      data: { values: [{ a: 1, b: 2 }, { a: 3, b: 4 }] },
      params: [{ name: "brush", select: "interval" }],
      mark: "point",
      encoding: {
        x: { field: "a", type: "quantitative" },
        y: { field: "b", type: "quantitative" },
        color: { condition: { param: "brush", value: "red" }, value: "grey" },
      },
    };
    const facet: TopLevelSpec = {
      $schema: SCHEMA,
      data: { values: Array.from({ length: 12 }, (_, i) => ({ x: i, y: i * i, g: i % 3 })) },
      mark: "point",
      encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" }, column: { field: "g" } },
    };
    const fit: TopLevelSpec = {
      $schema: SCHEMA,
      autosize: { type: "fit", contains: "padding" },
      width: 300,
      height: 200,
      title: "Fit to 300x200",
      data: { values: [{ x: 0, y: 0 }, { x: 1, y: 2 }] },
      mark: "area",
      encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
    };
    const hist: TopLevelSpec = {
      $schema: SCHEMA,
      data: { values: Array.from({ length: 50 }, (_, i) => ({ v: Math.sin(i) })) },
      mark: "bar",
      encoding: { x: { field: "v", bin: { maxbins: 10 } }, y: { aggregate: "count" } },
    };
    for (const spec of [chapterSpec(), barSpec, heatSpec, interval, facet, fit, hist]) {
      const sync = renderSvg(spec);
      expect(typeof sync).toBe("string");
      expect(sync).toBe(await renderSvgAsync(spec));
    }
  });

  it("gives clip paths and gradients ids unique to the chart, and the same SVG every time", () => {
    const a = renderSvg(heatSpec);
    expect(renderSvg(heatSpec)).toBe(a);
    const ids = [...a.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^vl[0-9a-f]{8}-\d+$/);
    // every reference resolves inside the same document
    for (const m of a.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);

    const other = renderSvg({ ...heatSpec, encoding: { ...heatSpec.encoding, color: { field: "v", type: "quantitative" } } } as TopLevelSpec);
    const otherIds = [...other.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    for (const id of otherIds) expect(ids).not.toContain(id);
  });

  it("leaves the caller's spec untouched", () => {
    const spec = chapterSpec();
    const before = JSON.stringify(spec);
    renderSvg(spec);
    expect(JSON.stringify(spec)).toBe(before);
    const firstDatum = (spec as { layer: { data: { values: object[] } }[] }).layer[0].data.values[0];
    expect(Object.getOwnPropertySymbols(firstDatum)).toHaveLength(0);
  });

  it("draws empty axes for empty data", () => {
    const svg = renderSvg({
      $schema: SCHEMA,
      data: { values: [] },
      mark: "point",
      encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
    });
    expect(svg).toContain("role-axis");
    expect(countItems(svg, "symbol")).toBe(0);
  });

  it("skips NaN/null values instead of failing (gaps in a line)", () => {
    const values = [0, 1, null, 3, 4].map((y, x) => ({ x, y }));
    const svg = renderSvg({
      $schema: SCHEMA,
      data: { values },
      mark: { type: "line", point: true },
      encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
    });
    expect(countItems(svg, "symbol")).toBe(4);
  });

  it("rejects invalid specs with vega-lite's message", () => {
    expect(() => renderSvg({} as TopLevelSpec)).toThrow(/Invalid Vega-Lite spec: Invalid specification/);
    expect(() => renderSvg({ mark: "nope" } as unknown as TopLevelSpec)).toThrow(
      /Invalid Vega-Lite spec: spec\.mark is "nope", which is not a Vega-Lite mark type/,
    );
    expect(() => renderSvg({ layer: [{ mark: "point" }, { mark: { type: "lin" } }] } as unknown as TopLevelSpec)).toThrow(
      /spec\.layer\[1\]\.mark is "lin"/,
    );
    expect(() =>
      renderSvg({ data: { values: [] }, mark: "point", encoding: { x: { field: "a", type: "quant" } } } as unknown as TopLevelSpec),
    ).toThrow(/Invalid Vega-Lite spec: Invalid field type/);
    expect(() => renderSvg(null as unknown as TopLevelSpec)).toThrow(/expected an object/);
  });

  it("explains that URL data needs the asynchronous renderer", () => {
    const spec = { data: { url: "data/cars.json" }, mark: "point" } as TopLevelSpec;
    expect(() => renderSvg(spec)).toThrow(/inline \(data\.values\).*renderSvgAsync/);
  });
});

describe("renderPng", () => {
  it("rasterises the SVG with resvg at the requested scale", () => {
    const spec = chapterSpec();
    const { width, height } = svgSize(renderSvg(spec));
    const png = renderPng(spec);
    expect(png).toBeInstanceOf(Uint8Array);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(png)).toEqual({ width: Math.round(width * 2), height: Math.round(height * 2) });
    expect(pngSize(renderPng(spec, { scale: 1 }))).toEqual({ width: Math.round(width), height: Math.round(height) });
    expect(png.length).toBeGreaterThan(5000);
  });

  it("rejects a bad scale", () => {
    expect(() => renderPng(barSpec, { scale: 0 })).toThrow(/scale must be a positive number/);
  });
});

describe("renderHtml", () => {
  it("is a standalone page with vega, vega-lite, vega-embed and the spec inlined", () => {
    const spec = chapterSpec();
    const html = renderHtml(spec);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/); // nothing fetched
    expect(html).not.toContain("sourceMappingURL");
    const vegaVersion = (require("vega/package.json") as { version: string }).version;
    const vlVersion = (require("vega-lite/package.json") as { version: string }).version;
    expect(html).toContain(vegaVersion);
    expect(html).toContain(vlVersion);
    expect(html).toContain("vegaEmbed");
    expect(html.length).toBeGreaterThan(700_000);
    expect(html).toContain('"actions":false');
    expect(html).toContain("data-vega-status");
    const embedded = html.match(/<script type="application\/json" id="torchlab-spec">([\s\S]*?)<\/script>/);
    expect(embedded).not.toBeNull();
    expect(JSON.parse(embedded![1])).toEqual(JSON.parse(JSON.stringify(spec)));
  });

  it("escapes text that could close the script or the title", () => {
    const spec = { ...barSpec, title: "</script><b>x</b>" } as TopLevelSpec;
    const html = renderHtml(spec);
    expect(html).toContain("<title>&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</title>");
    const json = html.match(/<script type="application\/json" id="torchlab-spec">([\s\S]*?)<\/script>/)![1];
    expect(JSON.parse(json).title).toBe("</script><b>x</b>");
  });

  it("fails early on an invalid spec", () => {
    expect(() => renderHtml({ mark: "nope" } as unknown as TopLevelSpec)).toThrow(/not a Vega-Lite mark type/);
  });
});

describe("displayBundle", () => {
  it("has exactly the Vega-Lite spec, the SVG and the text, never text/html", () => {
    const spec = chapterSpec();
    const bundle = displayBundle(spec, "<Figure: 2 series>");
    expect(Object.keys(bundle).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    expect(bundle).not.toHaveProperty("text/html");
    const vl = bundle["application/vnd.vegalite.v5+json"] as Record<string, unknown>;
    expect(vl.$schema).toBe("https://vega.github.io/schema/vega-lite/v5.json");
    expect(vl).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(vl).not.toBe(spec); // a snapshot: later changes to the chart do not alter displayed output
    expect(bundle["image/svg+xml"]).toBe(renderSvg(spec));
    expect(bundle["text/plain"]).toBe("<Figure: 2 series>");
    // a kernel sends it as JSON
    expect(JSON.parse(JSON.stringify(bundle))).toEqual(bundle);
  });

  it("adds the v5 $schema when the spec has none", () => {
    const { $schema: _drop, ...noSchema } = barSpec as { $schema?: string };
    void _drop;
    const vl = displayBundle(noSchema as TopLevelSpec, "bar")["application/vnd.vegalite.v5+json"] as Record<string, unknown>;
    expect(vl.$schema).toBe(SCHEMA);
  });

  it("keeps the spec and the text when the SVG cannot be rendered", () => {
    const spec = { $schema: SCHEMA, data: { url: "data/cars.json" }, mark: "point" } as TopLevelSpec;
    const bundle = displayBundle(spec, "<Chart>");
    expect(Object.keys(bundle).sort()).toEqual(["application/vnd.vegalite.v5+json", "text/plain"]);
    expect(bundle["text/plain"]).toMatch(/^<Chart>\n\(SVG rendering failed: .*inline/);
  });
});
