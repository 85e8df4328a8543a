// The spec side of torchlab/plot: the pyplot facade, the chart builder, data conversion,
// colours and downsampling. Every spec produced here is validated against the Vega-Lite v5
// JSON schema that vega-lite ships.
import { afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import Ajv, { ValidateFunction } from "ajv";
import * as torch from "../runtime/index";
import * as plt from "../runtime/plot/index";
import { chart, layer, hconcat, vconcat, concat, toColor, colormap, parseFmt, MAX_LINE_POINTS, MAX_SCATTER_POINTS, MAX_IMAGE_PIXELS } from "../runtime/plot/index";
import { toNd, toVector, m4Indices, sampleIndices } from "../runtime/plot/data";
import type { TopLevelSpec } from "vega-lite";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let validate: ValidateFunction;
beforeAll(() => {
  const schema = JSON.parse(readFileSync(require.resolve("vega-lite/build/vega-lite-schema.json"), "utf8"));
  const ajv = new Ajv({ strict: false, allowUnionTypes: true, validateFormats: false });
  validate = ajv.compile(schema);
});

afterEach(() => {
  plt.close("all");
  plt.setDisplayHook(undefined);
});

/** Asserts the spec is valid Vega-Lite v5 and returns it as a plain object. */
function valid(spec: TopLevelSpec | Obj): Obj {
  const json = JSON.parse(JSON.stringify(spec)) as Obj;
  const ok = validate(json);
  if (!ok) throw new Error(`invalid Vega-Lite spec: ${JSON.stringify(validate.errors?.slice(0, 3), null, 1)}`);
  expect(json.$schema).toBe("https://vega.github.io/schema/vega-lite/v5.json");
  return json;
}

/** The current figure's spec, validated. */
const figSpec = (): Obj => valid(plt.gcf().toSpec());
/** The layers of a one-axes figure. */
const layers = (spec: Obj = figSpec()): Obj[] => spec.layer;
/** What a kernel calls to display a value. */
const display = (o: object): Record<string, unknown> =>
  (o as Record<symbol, () => Record<string, unknown>>)[Symbol.for("Jupyter.display")]();
const markType = (l: Obj): string => (typeof l.mark === "string" ? l.mark : l.mark.type);
const rows = (l: Obj): Obj[] => l.data.values;

describe("the chapter's figure", () => {
  it("draws 32 blue points 'real curve', a red line 'fitting curve' and a legend, from tensors", () => {
    const x = torch.randn(32).sort().values.unsqueeze(1); // [32, 1], as the chapter's batch_x[:, 0]
    const y = x.pow(3).mul(0.9).add(x.mul(0.5)).add(1);
    const yhat = x.pow(3).mul(0.88).add(x.mul(0.52)).add(0.98);
    plt.cla();
    plt.scatter(x.select(1, 0), y.select(1, 0), { label: "real curve", color: "b" });
    plt.plot(x.select(1, 0), yhat.select(1, 0), { label: "fitting curve", color: "r" });
    plt.legend();
    const spec = figSpec();
    const [pts, line] = layers(spec);
    expect(markType(pts)).toBe("point");
    expect(rows(pts)).toHaveLength(32);
    expect(markType(line)).toBe("line");
    expect(rows(line)).toHaveLength(32);
    const seriesOf = (l: Obj) => JSON.parse(l.transform[0].calculate);
    const colorOf = (l: Obj) => l.encoding.color.scale.range[l.encoding.color.scale.domain.indexOf(seriesOf(l))];
    expect(pts.encoding.color.field).toBe("series");
    expect(seriesOf(pts)).toBe("real curve");
    expect(colorOf(pts)).toBe("#0000ff");
    expect(seriesOf(line)).toBe("fitting curve");
    expect(colorOf(line)).toBe("#ff0000");
    expect(pts.encoding.color.scale.domain).toEqual(["real curve", "fitting curve"]);
    expect(pts.encoding.color.legend).not.toBeNull();
    // the legend symbols: a point for the scatter, a stroke for the line
    expect(pts.encoding.shape.scale.range).toEqual(["circle", "stroke"]);
    // the values are the tensor's
    expect(rows(pts).map((r) => r.y)).toEqual(Array.from(y.select(1, 0).toTypedArray() as Float32Array));
    const svg = display(plt.gcf())["image/svg+xml"] as string;
    expect(svg).toContain("real curve");
    expect(svg).toContain("fitting curve");
  });
});

describe("data conversion", () => {
  it("accepts tensors of every dtype, typed arrays, number arrays and nested arrays", () => {
    expect(Array.from(toVector(torch.tensor([1, 2, 3], { dtype: "int64" })))).toEqual([1, 2, 3]);
    expect(Array.from(toVector(torch.tensor([true, false])))).toEqual([1, 0]);
    expect(Array.from(toVector(torch.tensor([1.5, 2.5], { dtype: "float32" })))).toEqual([1.5, 2.5]);
    expect(Array.from(toVector(torch.tensor([7], { dtype: "uint8" })))).toEqual([7]);
    expect(Array.from(toVector(Int32Array.of(4, 5)))).toEqual([4, 5]);
    expect(Array.from(toVector([1, null, 3]))).toEqual([1, NaN, 3]);
    expect(toNd([[1, 2, 3], [4, 5, 6]]).shape).toEqual([2, 3]);
    expect(toNd(torch.zeros(2, 3, 4)).shape).toEqual([2, 3, 4]);
    // a non-contiguous view
    expect(Array.from(toVector(torch.tensor([[1, 2], [3, 4]]).t().select(0, 1)))).toEqual([2, 4]);
    expect(() => toNd([[1, 2], [3]])).toThrow(/ragged/);
  });

  it("moves tensors that are not on the CPU", () => {
    const cpu = torch.tensor([1, 2, 3]);
    const to = jest.fn((_device: string) => cpu);
    const fake = { shape: [3], dtype: "float32", device: { type: "cuda" }, to, toTypedArray: () => { throw new Error("read on device"); } };
    plt.plot(fake as unknown as torch.Tensor);
    expect(to).toHaveBeenCalledWith("cpu");
    expect(rows(layers()[0]).map((r) => r.y)).toEqual([1, 2, 3]);
  });

  it("gives matplotlib's error for mismatched shapes", () => {
    expect(() => plt.plot([1, 2, 3], [1, 2, 3, 4])).toThrow("x and y must have the same first dimension, but have shapes [3] and [4]");
    expect(() => plt.plot(torch.zeros(3), torch.zeros(4))).toThrow("x and y must have the same first dimension, but have shapes [3] and [4]");
    expect(() => plt.scatter([1, 2], [1, 2, 3])).toThrow(/x and y must be the same size/);
    expect(() => plt.fillBetween([1, 2], [1, 2, 3])).toThrow(/same first dimension|must match/);
    expect(() => plt.errorbar([1, 2], [1, 2], { yerr: [1, 2, 3] })).toThrow(/yerr/);
    expect(() => plt.plot(torch.zeros(2, 2, 2))).toThrow(/no greater than 2D/);
  });

  it("plot(y) uses 0..N-1 for x; a 2-D y draws one line per column", () => {
    plt.plot([5, 6, 7]);
    expect(rows(layers()[0]).map((r) => r.x)).toEqual([0, 1, 2]);
    plt.clf();
    plt.plot(torch.tensor([[1, 10], [2, 20], [3, 30]]));
    const ls = layers();
    expect(ls).toHaveLength(2);
    expect(ls.map((l) => l.mark.color)).toEqual(["#1f77b4", "#ff7f0e"]);
  });

  it("keeps NaN and ±Infinity as gaps: lines split into segments, points are dropped", () => {
    plt.plot([0, 1, 2, 3, 4, 5], [1, 2, NaN, 4, Infinity, 6]);
    plt.scatter([0, 1, 2], [1, NaN, -Infinity]);
    const [line, pts] = layers();
    expect(rows(line).map((r) => r.x)).toEqual([0, 1, 3, 5]);
    expect(new Set(rows(line).map((r) => r.s ?? 0))).toEqual(new Set([0, 1, 2]));
    expect(line.encoding.detail).toEqual({ field: "s", type: "nominal" });
    expect(line.encoding.order).toEqual({ field: "i", type: "quantitative" }); // data order, not sorted by x
    expect(rows(pts)).toHaveLength(1);
    const json = JSON.stringify(plt.gcf().toSpec());
    expect(json).not.toMatch(/NaN|Infinity/);
  });

  it("empty data draws empty axes", () => {
    plt.plot([]);
    const spec = figSpec();
    expect(spec.layer[0].encoding.x.scale.domain).toEqual([0, 1]);
    plt.close();
    plt.figure();
    valid(plt.gcf().toSpec()); // a figure without axes
  });
});

describe("downsampling", () => {
  it(`reduces lines above ${MAX_LINE_POINTS} points with M4 and says so`, () => {
    const n = 100000;
    const x = torch.arange(n);
    const y = x.div(1000).sin();
    plt.plot(x, y);
    const spec = figSpec();
    const r = rows(spec.layer[0]);
    expect(r.length).toBeLessThanOrEqual(MAX_LINE_POINTS);
    expect(r.length).toBeGreaterThanOrEqual(MAX_LINE_POINTS / 5); // at least one point per bucket
    expect(spec.title.subtitle).toBe(`showing ${r.length.toLocaleString("en-US")} of 100,000 points`);
    // extremes survive
    expect(Math.max(...r.map((p) => p.y))).toBeCloseTo(y.max().item() as number, 6);
    expect(Math.min(...r.map((p) => p.y))).toBeCloseTo(y.min().item() as number, 6);
  });

  it(`samples scatter plots above ${MAX_SCATTER_POINTS} points, the same way every time`, () => {
    const x = torch.arange(20000);
    plt.scatter(x, x);
    plt.title("many");
    const spec = figSpec();
    expect(rows(spec.layer[0])).toHaveLength(MAX_SCATTER_POINTS);
    expect(spec.title).toEqual({ text: "many", subtitle: "showing 5,000 of 20,000 points" });
    expect(sampleIndices(20000)).toEqual(sampleIndices(20000));
    expect(new Set(sampleIndices(20000)).size).toBe(MAX_SCATTER_POINTS);
  });

  it("keeps small inputs whole and M4 keeps gaps", () => {
    expect(m4Indices(Float64Array.of(1, 2, 3))).toEqual([0, 1, 2]);
    const y = Float64Array.from({ length: 50000 }, (_, i) => (i === 25000 ? NaN : i));
    expect(m4Indices(y).some((i) => Number.isNaN(y[i]))).toBe(true);
  });

  it(`block-averages images above ${MAX_IMAGE_PIXELS} pixels`, () => {
    plt.imshow(torch.rand(300, 200));
    const spec = figSpec();
    expect(rows(spec.layer[0]).length).toBeLessThanOrEqual(MAX_IMAGE_PIXELS);
    expect(spec.title.subtitle).toMatch(/block averages of 300×200 pixels/);
    expect(spec.layer[0].encoding.x.scale.domain).toEqual([-0.5, 199.5]);
  });
});

describe("colours", () => {
  it("follows matplotlib's default cycle per axes", () => {
    for (let i = 0; i < 11; i++) plt.plot([i, i + 1]);
    const cs = layers().map((l) => l.mark.color);
    expect(cs.slice(0, 10)).toEqual(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]);
    expect(cs[10]).toBe("#1f77b4");
    // scatter, bar, hist and fillBetween take from the same cycle; axhline does not
    plt.cla();
    plt.scatter([1], [1]);
    plt.axhline(0);
    plt.bar([1], [2]);
    plt.hist([1, 2, 3]);
    plt.fillBetween([1, 2], [1, 2]);
    expect(layers().map((l) => l.mark.color)).toEqual(["#1f77b4", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]);
  });

  it("knows single letters, C0..C9, tab: names, grey levels, tuples, CSS and hex", () => {
    expect(toColor("b")).toBe("#0000ff");
    expect(toColor("r")).toBe("#ff0000");
    expect(toColor("g")).toBe("#008000");
    expect(toColor("c")).toBe("#00bfbf");
    expect(toColor("k")).toBe("#000000");
    expect(toColor("C1")).toBe("#ff7f0e");
    expect(toColor("tab:blue")).toBe("#1f77b4");
    expect(toColor("0.5")).toBe("#808080");
    expect(toColor([1, 0, 0])).toBe("#ff0000");
    expect(toColor("steelblue")).toBe("steelblue");
    expect(toColor("#ABCDEF")).toBe("#abcdef");
    expect(() => toColor("not a colour!")).toThrow(/Invalid color/);
    plt.plot([1, 2], { color: "tab:green" });
    plt.scatter([1, 2], [1, 2], { c: "C1" });
    expect(layers().map((l) => l.mark.color)).toEqual(["#2ca02c", "#ff7f0e"]);
  });

  it("maps colormaps to Vega schemes", () => {
    expect(colormap()).toEqual({ scheme: "viridis" });
    expect(colormap("gray")).toEqual({ range: ["#000000", "#ffffff"] });
    expect(colormap("Blues_r")).toEqual({ scheme: "blues", reverse: true });
    expect(() => colormap("nope")).toThrow(/not a known colormap/);
  });
});

describe("plot styles", () => {
  it("parses format strings", () => {
    expect(parseFmt("r--")).toEqual({ color: "r", linestyle: "--" });
    expect(parseFmt("bo")).toEqual({ color: "b", marker: "o" });
    expect(parseFmt("k:.")).toEqual({ color: "k", linestyle: ":", marker: "." });
    expect(parseFmt("C2-.")).toEqual({ color: "C2", linestyle: "-." });
    expect(() => parseFmt("rq")).toThrow(/unrecognized character 'q'/);
    expect(() => parseFmt("rg")).toThrow(/two color/);
  });

  it("draws format strings and line options", () => {
    plt.plot([1, 2, 3], [1, 2, 3], "r--");
    plt.plot([1, 2, 3], [3, 2, 1], "bo");
    plt.plot([1, 2], [1, 1], "g-^", { linewidth: 3, alpha: 0.5, markersize: 10 });
    plt.plot([1, 2], [2, 2], { linestyle: ":", drawstyle: "steps-post" });
    const [dashed, dots, marked, steps] = layers();
    expect(dashed.mark).toMatchObject({ type: "line", color: "#ff0000" });
    expect(dashed.mark.strokeDash).toHaveLength(2);
    expect(dots.mark).toMatchObject({ type: "point", color: "#0000ff", shape: "circle", filled: true });
    expect(marked.mark).toMatchObject({ type: "line", color: "#008000", opacity: 0.5, strokeWidth: 4.167 });
    expect(marked.mark.point).toMatchObject({ shape: "triangle-up" });
    expect(steps.mark.interpolate).toBe("step-after");
    expect(() => plt.plot([1], { linestyle: "~" as never })).toThrow(/not a valid value for linestyle/);
    expect(() => plt.plot([1], { marker: "q" as never })).toThrow(/Unrecognized marker/);
  });

  it("several groups in one call", () => {
    const hs = plt.plot([1, 2], [1, 2], "r", [1, 2], [2, 1], "g--");
    expect(hs.map((h) => h.color)).toEqual(["#ff0000", "#008000"]);
    expect(layers()).toHaveLength(2);
  });
});

describe("the other pyplot functions", () => {
  it("scatter: sizes, per-point colours, colormapped values, markers, alpha", () => {
    plt.scatter([1, 2, 3], [1, 2, 3], { s: [10, 20, 30], c: [0.1, 0.5, 0.9], cmap: "plasma", marker: "s", alpha: 0.4 });
    plt.scatter([1, 2], [3, 4], { c: ["r", "tab:blue"], s: 100, marker: "x" });
    const [a, b] = layers();
    expect(a.encoding.size).toMatchObject({ field: "z", scale: null });
    expect(a.encoding.fill).toMatchObject({ field: "v", type: "quantitative", scale: { scheme: "plasma", domain: [0.1, 0.9] } });
    expect(a.mark).toMatchObject({ shape: "square", opacity: 0.4 });
    expect(rows(b).map((r) => r.c)).toEqual(["#ff0000", "#1f77b4"]);
    expect(b.encoding.stroke).toMatchObject({ field: "c", scale: null }); // 'x' is an unfilled marker
  });

  it("bar and barh: positions, categories, bottom, width", () => {
    plt.bar(["a", "b", "c"], [3, 1, 2], { color: "tab:orange", bottom: 1, width: 0.5 });
    const [bars] = layers();
    expect(markType(bars)).toBe("rect");
    expect(rows(bars)[0]).toEqual({ x: -0.25, x2: 0.25, y: 1, y2: 4 });
    expect(bars.encoding.x.axis.values).toEqual([0, 1, 2]);
    expect(bars.encoding.x.axis.labelExpr).toContain('"1":"b"');
    expect(bars.encoding.y.scale.domain[0]).toBe(1); // bars stick to their bottom, as matplotlib
    plt.clf();
    plt.barh([1, 2], torch.tensor([4, 5]));
    const [h] = layers();
    expect(rows(h)[1]).toEqual({ y: 1.6, y2: 2.4, x: 0, x2: 5 });
    expect(h.encoding.x.scale.domain[0]).toBe(0); // bars stick to 0, as matplotlib
  });

  it("hist: counts like numpy.histogram, density, bin edges, step", () => {
    const { n, bins } = plt.hist([1, 2, 2, 3, 3, 3, 4, NaN], { bins: 3 });
    expect(bins).toEqual([1, 2, 3, 4]);
    expect(n).toEqual([1, 2, 4]); // the last bin includes its right edge
    const d = plt.hist(torch.randn(1000), { bins: [-10, 0, 10], density: true });
    expect(d.n[0] * 10 + d.n[1] * 10).toBeCloseTo(1, 10);
    plt.hist([1, 2, 3], { histtype: "step", label: "s" });
    const ls = layers();
    expect(ls.map(markType)).toEqual(["rect", "rect", "line"]);
    expect(ls[0].encoding.y.scale.domain[0]).toBe(0);
  });

  it("fillBetween with where, axhline/axvline with spans, errorbar with caps, text", () => {
    plt.fillBetween([0, 1, 2, 3], [0, 1, 2, 3], [1, 2, 3, 4], { where: [true, true, false, true], alpha: 0.3, label: "band" });
    plt.axhline(1.5, { color: "k", linestyle: "--", xmin: 0.25, xmax: 0.75 });
    plt.axvline(2, { color: "r" });
    plt.errorbar([0, 1], [1, 2], { yerr: [[0.1, 0.2], [0.3, 0.4]], xerr: 0.1, fmt: "o", capsize: 3 });
    plt.text(1, 2, "here", { ha: "center", va: "top", fontsize: 12, rotation: 90 });
    const ls = layers();
    expect(ls.map(markType)).toEqual(["area", "rule", "rule", "rule", "point", "rule", "point", "point", "text"]);
    expect(ls[0].encoding.detail).toBeDefined(); // where=false leaves a gap
    expect(ls[1].encoding).toMatchObject({ y: { datum: 1.5 }, x: { value: expect.any(Number) }, x2: { value: expect.any(Number) } });
    expect(ls[2].encoding.x.datum).toBe(2);
    expect(rows(ls[3])[1]).toEqual({ x: 1, y: 1.8, y2: 2.4 });
    expect(ls[8].mark).toMatchObject({ text: "here", align: "center", baseline: "top", angle: 270 });
    const yd = ls[0].encoding.y.scale.domain;
    expect(yd[0]).toBeLessThan(0);
  });

  it("imshow: 2-D with a colormap, H×W×3 and 3×H×W RGB, square pixels, row 0 on top", () => {
    plt.imshow(torch.arange(6).reshape([2, 3]), { cmap: "gray" });
    let [im] = layers();
    expect(markType(im)).toBe("rect");
    expect(im.encoding.fill.scale).toMatchObject({ range: ["#000000", "#ffffff"], domain: [0, 5] });
    expect(im.encoding.y.scale.reverse).toBe(true);
    const spec = figSpec();
    expect(spec.width / spec.height).toBeCloseTo(3 / 2, 1);
    plt.clf();
    plt.imshow(torch.ones(3, 2, 2).mul(torch.tensor([1, 0, 0]).reshape([3, 1, 1]))); // CHW red
    [im] = layers();
    expect(rows(im).every((r) => r.c === "#ff0000")).toBe(true);
    plt.clf();
    plt.imshow([[[0, 255, 0]]]); // HWC uint8-range green
    [im] = layers();
    expect(rows(im)[0].c).toBe("#00ff00");
    expect(() => plt.imshow(torch.zeros(2, 2, 5))).toThrow(/Invalid shape/);
  });

  it("labels, title, limits, log scales, ticks, grid", () => {
    plt.plot([1, 10, 100], [0, 5, 10]);
    plt.xlabel("epoch");
    plt.ylabel("loss");
    plt.title("training");
    expect(plt.xlim()).toEqual([1 - 4.95, 100 + 4.95]);
    plt.ylim(0, 20);
    plt.xscale("log");
    plt.xticks([1, 10, 100], ["one", "ten", "hundred"]);
    plt.grid(true);
    const spec = figSpec();
    const [l] = spec.layer;
    expect(spec.title).toBe("training");
    expect(l.encoding.x.title).toBe("epoch");
    expect(l.encoding.y.title).toBe("loss");
    expect(l.encoding.x.scale.type).toBe("log");
    expect(l.encoding.x.scale.domain[0]).toBeCloseTo(10 ** (0 - 0.1), 6);
    expect(l.encoding.y.scale.domain).toEqual([0, 20]);
    expect(l.encoding.x.axis.grid).toBe(true);
    expect(l.encoding.x.axis.values).toEqual([1, 10, 100]);
    expect(() => plt.yscale("logit" as never)).toThrow(/Unknown scale/);
  });

  it("log scales drop non-positive values as gaps", () => {
    plt.plot([0, 1, 2, 3], [1, -1, 10, 100]);
    plt.yscale("log");
    const r = rows(layers()[0]);
    expect(r.map((p) => p.y)).toEqual([1, 10, 100]);
  });

  it("legend: only after legend(), only labelled series, legend(labels), loc", () => {
    plt.plot([1, 2], { label: "a" });
    plt.plot([2, 1], { label: "_hidden" });
    plt.plot([1, 1]);
    expect(layers().some((l) => l.encoding.color)).toBe(false); // no legend() → no legend
    plt.legend({ loc: "lower left", title: "series" });
    const ls = layers();
    expect(ls[0].encoding.color).toMatchObject({ field: "series", scale: { domain: ["a"] }, legend: { orient: "bottom-left", title: "series" } });
    expect(ls[0].transform).toEqual([{ calculate: '"a"', as: "series" }]);
    expect(ls[1].encoding.color).toBeUndefined();
    plt.legend(["x", "y", "z"]);
    expect(layers()[2].encoding.color.scale.domain).toEqual(["x", "y", "z"]);
  });

  it("cla, clf, gcf, gca, figure, subplot, close", () => {
    plt.plot([1, 2], { color: "r" });
    plt.plot([1, 2]);
    plt.cla();
    plt.plot([1, 2]);
    expect(layers().map((l) => l.mark.color)).toEqual(["#1f77b4"]); // the cycle restarts
    const fig = plt.gcf();
    expect(plt.gca()).toBe(fig.axes[0]);
    plt.clf();
    expect(fig.axes).toHaveLength(0);
    const f2 = plt.figure({ figsize: [3, 2] });
    expect(plt.gcf()).toBe(f2);
    expect(String(f2)).toBe("<Figure size 300x200 with 0 Axes>");
    plt.subplot(1, 2, 2).plot([1]);
    expect(f2.axes).toHaveLength(1);
    plt.close();
    expect(plt.gcf()).not.toBe(f2);
  });

  it("subplots: squeezed axes, a grid spec, per-axes cycles, sharex", () => {
    const a = plt.subplots();
    expect(a.axes).toBeInstanceOf(plt.Axes);
    const b = plt.subplots(1, 3);
    expect(b.axes).toHaveLength(3);
    const c = plt.subplots(2, 2, { figsize: [8, 6], sharex: true });
    c.axes[0][0].plot([0, 1], [1, 2]);
    c.axes[0][1].plot([0, 10], [1, 2]);
    c.axes[1][0].scatter([1], [1]);
    c.axes[1][1].setTitle("empty");
    c.fig.suptitle("grid");
    const spec = valid(c.fig.toSpec());
    expect(spec.columns).toBe(2);
    expect(spec.concat).toHaveLength(4);
    expect(spec.title.text).toBe("grid");
    expect(spec.concat[0].layer[0].mark.color).toBe("#1f77b4");
    expect(spec.concat[1].layer[0].mark.color).toBe("#1f77b4");
    expect(spec.concat[0].layer[0].encoding.x.scale.domain).toEqual(spec.concat[1].layer[0].encoding.x.scale.domain);
    expect(spec.resolve.scale.color).toBe("independent");
    const d = plt.subplots(1, 1, { squeeze: false });
    expect(d.axes[0][0]).toBeInstanceOf(plt.Axes);
  });

  it("figure size: 640×480 px gives a ~496×369 plot area", () => {
    plt.plot([1, 2]);
    const spec = figSpec();
    expect(spec.width).toBe(496);
    expect(spec.height).toBe(370);
    expect(spec.background).toBe("white");
    expect(spec.config.view.stroke).toBe("#000000");
  });

  it("show() calls the display hook and closes the figure; without one it points to savefig", () => {
    const shown: plt.Figure[] = [];
    plt.setDisplayHook((f) => shown.push(f));
    plt.plot([1, 2]);
    const fig = plt.show();
    expect(shown).toEqual([fig]);
    expect(plt.gcf()).not.toBe(fig);
    plt.setDisplayHook(undefined);
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      plt.plot([1, 2]);
      const f2 = plt.show();
      expect(write.mock.calls.map((c) => String(c[0])).join("")).toMatch(/savefig/);
      expect(plt.gcf()).toBe(f2);
    } finally {
      write.mockRestore();
    }
  });

  it("savefig writes svg, png, html and json by extension", () => {
    const dir = mkdtempSync(join(tmpdir(), "plot-spec-"));
    try {
      plt.plot([1, 3, 2], { label: "l" });
      plt.legend();
      plt.savefig(join(dir, "f.svg"));
      plt.savefig(join(dir, "f.png"), { scale: 1 });
      plt.savefig(join(dir, "f.html"));
      plt.savefig(join(dir, "f.json"));
      plt.savefig(join(dir, "f.out"), { format: "json" });
      expect(readFileSync(join(dir, "f.svg"), "utf8")).toMatch(/^<svg/);
      expect([...readFileSync(join(dir, "f.png")).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
      expect(readFileSync(join(dir, "f.html"), "utf8")).toMatch(/<!DOCTYPE html>/i);
      const json = JSON.parse(readFileSync(join(dir, "f.json"), "utf8"));
      expect(json).toEqual(JSON.parse(JSON.stringify(plt.gcf().toSpec())));
      valid(json);
      expect(() => plt.savefig(join(dir, "f.pdf"))).toThrow("savefig: unsupported extension '.pdf'");
      expect(() => plt.savefig(join(dir, "noext"))).toThrow(/unsupported/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("figures display as Vega-Lite JSON, SVG and text, never HTML", () => {
    plt.plot([1, 2]);
    const bundle = display(plt.gcf());
    expect(Object.keys(bundle).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    valid(bundle["application/vnd.vegalite.v5+json"] as Obj);
    expect(bundle["text/plain"]).toBe("<Figure size 640x480 with 1 Axes>");
  });
});

describe("the chart builder", () => {
  it("builds unit charts from columns of tensors, with shorthands", () => {
    const x = torch.arange(5);
    const c = chart({ x, y: x.mul(2), label: ["a", "b", "a", "b", "a"] })
      .mark("point", { filled: true, size: 60 })
      .encode({ x: "x:Q", y: { field: "y", type: "quantitative", title: "twice" }, color: "label:N", size: "count():Q" })
      .properties({ title: "points", width: 200, height: 100 });
    const spec = valid(c.toSpec());
    expect(spec.data.values[1]).toEqual({ x: 1, y: 2, label: "b" });
    expect(spec.mark).toEqual({ type: "point", filled: true, size: 60 });
    expect(spec.encoding.x).toEqual({ field: "x", type: "quantitative" });
    expect(spec.encoding.color).toEqual({ field: "label", type: "nominal" });
    expect(spec.encoding.size).toEqual({ aggregate: "count", type: "quantitative" });
    expect(spec.width).toBe(200);
    expect(String(c)).toBe("Chart(point, 5 rows)");
    expect(() => chart({ a: [1, 2], b: [1] })).toThrow(/same length/);
  });

  it("turns NaN into null, accepts rows and Vega-Lite data objects", () => {
    const spec = valid(chart({ y: [1, NaN, Infinity] }).mark("line").encode({ y: "y:Q" }).toSpec());
    expect(spec.data.values.map((r: Obj) => r.y)).toEqual([1, null, null]);
    valid(chart([{ a: 1 }]).mark("bar").encode({ x: "a:Q" }).toSpec());
    valid(chart({ url: "data/cars.json" }).mark("point").encode({ x: "Horsepower:Q" }).toSpec());
  });

  it("layers, concatenates, adds selections and transforms, configures", () => {
    const d = { x: [1, 2, 3], y: [3, 1, 2] };
    const base = chart(d).encode({ x: "x:Q", y: "y:Q" });
    const brush = base.mark("point").param({ name: "brush", select: "interval" });
    const line = base.mark("line", { color: "#d62728" }).transform({ filter: "datum.y > 1" });
    const l = layer(brush, line).properties({ title: "layered" }).configure({ axis: { grid: false } });
    const spec = valid(l.toSpec());
    expect(spec.layer).toHaveLength(2);
    expect(spec.layer[0].params[0].name).toBe("brush");
    expect(spec.config.axis.grid).toBe(false);
    const sel = valid(layer(base.mark("point"), base.mark("line")).param({ name: "pick", select: "point" }).toSpec());
    expect(sel.layer[0].params[0].name).toBe("pick");
    valid(brush.layer(line).toSpec());
    valid(base.mark("point").interactive().toSpec());
    valid(hconcat(base.mark("point"), base.mark("bar")).toSpec());
    valid(vconcat(base.mark("point"), base.mark("bar")).toSpec());
    const cc = valid(concat([base.mark("point"), base.mark("bar"), base.mark("line")], { columns: 2 }).toSpec());
    expect(cc.columns).toBe(2);
    expect(() => l.mark("point")).toThrow(/single view/);
    expect(JSON.parse(JSON.stringify(l))).toEqual(spec);
  });

  it("displays as a Jupyter bundle and the figure is a Chart underneath", () => {
    const c = chart({ x: [1, 2] }).mark("tick").encode({ x: "x:Q" });
    const b = display(c);
    expect(b["application/vnd.vegalite.v5+json"]).toEqual(JSON.parse(JSON.stringify(c.toSpec())));
    expect(b["text/plain"]).toBe("Chart(tick, 2 rows)");
    plt.plot([1, 2]);
    const fc = plt.gcf().toChart().properties({ title: "changed" });
    expect(valid(fc.toSpec()).title).toBe("changed");
  });
});
