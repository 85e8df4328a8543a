// The nbval-style comparison (kernel/src/nbval.ts): its rules on hand-made
// notebooks, the committed sanitizer file on real-looking text, and a real run
// of test/fixtures/notebooks/small.ipynb through the kernel compared with its
// stored outputs, then with one stored output deliberately changed.
import { beforeAll, describe, expect, test } from "@jest/globals";
import * as path from "path";
import { CodeCell, Notebook, Output, readNotebook } from "../kernel/src/notebook";
import { IGNORE_OUTPUT_TAG, RAISES_TAG, SKIP_TAG, Sanitizer, compareNotebooks, compileSanitizers, formatComparison, loadSanitizers, sanitize } from "../kernel/src/nbval";
import { NotebookResult, runNotebooks } from "../kernel/src/run";
import { ensureKernelBuilt } from "./kernel/ensure_built";

const root = path.join(__dirname, "..");
const sanitizers = loadSanitizers(path.join(root, "notebooks/sanitize.json"));

function code(outputs: Output[], tags: string[] = [], source = "x"): CodeCell {
  return { cell_type: "code", metadata: tags.length ? { tags } : {}, source, execution_count: 1, outputs };
}
const nb = (...cells: CodeCell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "markdown", metadata: {}, source: "# t" }, ...cells] });
const out = (text: string, mime = "text/plain"): Output => ({ output_type: "execute_result", data: { [mime]: text }, metadata: {}, execution_count: 1 });
const stream = (name: "stdout" | "stderr", text: string | string[]): Output => ({ output_type: "stream", name, text });
const error = (ename: string, evalue: string): Output => ({ output_type: "error", ename, evalue, traceback: [`${ename}: ${evalue}`, "    at <cell>:1:7"] });
const compare = (stored: CodeCell, fresh: CodeCell, options = {}) => compareNotebooks(nb(stored), nb(fresh), { sanitizers, ...options });

describe("comparison rules", () => {
  test("equal outputs pass; a changed stored output fails with a report naming cell, MIME type and first differing line", () => {
    const fresh = code([out("tensor([[1, 2],\n        [3, 4]])")]);
    expect(compare(code([out("tensor([[1, 2],\n        [3, 4]])")]), fresh).ok).toBe(true);
    const cmp = compare(code([out("tensor([[1, 2],\n        [3, 5]])")]), fresh);
    expect(cmp.ok).toBe(false);
    expect(cmp.cells[0]).toMatchObject({ cell: 2, status: "fail" });
    const report = formatComparison(cmp, "t.ipynb");
    expect(report).toContain("t.ipynb: 1 of 1 code cell(s) differ");
    expect(report).toContain("cell 2 (x):");
    expect(report).toContain("output 1 (execute_result) text/plain differs; first difference at line 2, column 13:");
    expect(report).toContain('expected: "        [3, 5]])"');
    expect(report).toContain('got:      "        [3, 4]])"');
  });

  test("differences the sanitizer hides pass; others in the same text still fail", () => {
    const text = (addr: string, ms: string) => `storage at ${addr}, took ${ms}`;
    expect(compare(code([stream("stdout", text("0x7ffd12ab34cd", "12.3 ms"))]), code([stream("stdout", text("0x55d0aa001122", "7 ms"))])).ok).toBe(true);
    expect(compare(code([stream("stdout", text("0x7ffd12ab34cd", "12.3 ms") + " sum=3")]), code([stream("stdout", text("0x55d0aa001122", "7 ms") + " sum=4")])).ok).toBe(false);
  });

  test("streams are merged per name; their interleaving does not matter; a changed stream fails naming it", () => {
    const stored = code([stream("stdout", "a\n"), stream("stderr", "w\n"), stream("stdout", ["b\n", "c\n"])]);
    expect(compare(stored, code([stream("stderr", "w\n"), stream("stdout", "a\nb\nc\n")])).ok).toBe(true);
    const cmp = compare(stored, code([stream("stdout", "a\nb\nc\n")]));
    expect(cmp.ok).toBe(false);
    expect(cmp.cells[0].problems.map((p) => p.message.split(";")[0])).toEqual(["stderr differs"]);
  });

  test("each MIME type is compared by its policy", () => {
    const rich = (data: Record<string, unknown>): Output => ({ output_type: "display_data", data, metadata: {} });
    const spec = { $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "line", data: { values: [{ x: 1, y: 2 }] } };
    const vl = "application/vnd.vegalite.v5+json";
    // JSON: key order does not matter, values do
    expect(compare(code([rich({ [vl]: spec })]), code([rich({ [vl]: { data: { values: [{ y: 2, x: 1 }] }, mark: "line", $schema: spec.$schema } })])).ok).toBe(true);
    const changed = compare(code([rich({ [vl]: spec })]), code([rich({ [vl]: { ...spec, mark: "bar" } })]));
    expect(changed.ok).toBe(false);
    expect(changed.cells[0].problems[0].mime).toBe(vl);
    // PNG: only its presence (rasterizer output varies); SVG: its text
    expect(compare(code([rich({ "image/png": "iVBORw0KGgoAAAA" })]), code([rich({ "image/png": "iVBORw0KGgoBBBB" })])).ok).toBe(true);
    expect(compare(code([rich({ "image/png": "iVBORw0KGgoAAAA" })]), code([rich({ "text/plain": "<PNG>" })])).cells[0].problems.map((p) => p.message)).toEqual([
      "output 1 (display_data) image/png is missing from the fresh run",
      "output 1 (display_data) text/plain is new: the stored output does not have it",
    ]);
    expect(compare(code([rich({ "image/svg+xml": "<svg><rect width='4'/></svg>" })]), code([rich({ "image/svg+xml": "<svg><rect width='5'/></svg>" })])).ok).toBe(false);
    // a policy override
    const html = [code([rich({ "text/html": "<b>1</b>", "text/plain": "1" })]), code([rich({ "text/html": "<i>1</i>", "text/plain": "1" })])] as const;
    expect(compare(...html).ok).toBe(false);
    expect(compare(...html, { mimePolicy: { "text/html": "ignore" } }).ok).toBe(true);
  });

  test("the number and kinds of non-stream outputs must match", () => {
    const cmp = compare(code([out("1"), out("2")]), code([out("1")]));
    expect(cmp.cells[0].problems[0].message).toBe("expected 2 non-stream output(s), got 1");
    expect(compare(code([out("1")]), code([{ output_type: "display_data", data: { "text/plain": "1" }, metadata: {} }])).cells[0].problems[0].message).toBe(
      "output 1: expected execute_result (text/plain), got display_data (text/plain)",
    );
  });

  test("errors fail unless the cell is tagged raises-exception, which then must raise the same error", () => {
    const untagged = compare(code([]), code([error("TypeError", "x is not a function")]));
    expect(untagged.ok).toBe(false);
    expect(untagged.cells[0].problems[0].message).toBe("the cell raised TypeError: x is not a function (tag it raises-exception if that is intended)");
    expect(compare(code([error("Error", "boom")], [RAISES_TAG]), code([error("Error", "boom")], [RAISES_TAG])).ok).toBe(true);
    expect(compare(code([error("Error", "boom")], [RAISES_TAG]), code([error("Error", "bang")], [RAISES_TAG])).ok).toBe(false);
    const silent = compare(code([error("Error", "boom")], [RAISES_TAG]), code([], [RAISES_TAG]));
    expect(silent.cells[0].problems[0].message).toBe("the cell is tagged raises-exception but ran without an error");
  });

  test("nbval-ignore-output runs but is not compared (an error still fails); nbval-skip is not compared at all", () => {
    expect(compare(code([out("0.1")], [IGNORE_OUTPUT_TAG]), code([out("0.7")], [IGNORE_OUTPUT_TAG])).cells[0].status).toBe("ignored");
    expect(compare(code([out("0.1")], [IGNORE_OUTPUT_TAG]), code([error("Error", "x")], [IGNORE_OUTPUT_TAG])).ok).toBe(false);
    const skipped = compare(code([out("1")], [SKIP_TAG]), code([error("Error", "x")], [SKIP_TAG]));
    expect(skipped).toEqual({ ok: true, cells: [{ cell: 2, source: "x", status: "skipped", problems: [] }] });
  });

  test("a cell the fresh run did not execute fails even when its stored outputs are still there", () => {
    const cell = code([out("1")]);
    expect(compare(cell, cell, { executed: [] }).cells[0].problems[0].message).toMatch(/^the cell was not run/);
    expect(compare(cell, { ...cell, execution_count: null }).ok).toBe(false);
    expect(compareNotebooks(nb(cell), nb(cell, cell)).cells[0].problems[0].message).toMatch(/cells differ \(stored: 2 cells, fresh: 3\)/);
  });
});

describe("sanitizer rules", () => {
  const vars = { repo: "/home/ann/src/torchlab", tmp: "/tmp", home: "/home/ann" };
  const rules: Sanitizer[] = loadSanitizers(path.join(root, "notebooks/sanitize.json"), vars);

  test("the committed rules hide addresses, timings, paths and dates, and nothing else", () => {
    expect(sanitize("Storage at 0x7f3a2c001e40 (0xff stays)", rules)).toBe("Storage at 0x<address> (0xff stays)");
    expect(sanitize("epoch 3: 12.5 ms, 850 µs, 1.25 s, 3 seconds; 10 steps", rules)).toBe("epoch 3: <time>, <time>, <time>, <time>; 10 steps");
    expect(sanitize("saved /home/ann/src/torchlab/notebooks/m.pt and /tmp/torchlab-x1y2/m.pt in /home/ann/x", rules)).toBe("saved <repo>/notebooks/m.pt and <tmp> in <home>/x");
    expect(sanitize("run at 2025-03-01T12:34:56.789Z", rules)).toBe("run at <datetime>");
    expect(sanitize("tensor([[ 0.1234, -1.5000],\n        [ 2.0000,  3.0000]])", rules)).toBe("tensor([[ 0.1234, -1.5000],\n        [ 2.0000,  3.0000]])");
  });

  test("bad rule files are refused with the file and rule named", () => {
    expect(() => compileSanitizers({}, vars, "s.json")).toThrow('s.json: expected a JSON list of {"regex", "replace", "why"} rules');
    expect(() => compileSanitizers([{ regex: "(", replace: "", why: "w" }], vars, "s.json")).toThrow(/^s\.json: rule 1: invalid regular expression "\("/);
    expect(() => compileSanitizers([{ regex: "a", replace: "b" }], vars, "s.json")).toThrow(/^s\.json: rule 1: expected \{"regex": string, "replace": string, "why": non-empty string\}/);
    expect(() => compileSanitizers([{ regex: "{{nope}}", replace: "", why: "w" }], vars, "s.json")).toThrow("s.json: rule 1: unknown placeholder {{nope}}");
    expect(() => loadSanitizers(path.join(root, "no-such-sanitize.json"))).toThrow(/no-such-sanitize\.json: cannot read the sanitizer rules/);
    // a placeholder standing for "/" would rewrite every path: that rule is dropped
    expect(compileSanitizers([{ regex: "{{home}}", replace: "<home>", why: "w" }], { ...vars, home: "/" }, "s.json")).toEqual([]);
  });
});

describe("a real run compared with the stored outputs", () => {
  const file = path.join(root, "test/fixtures/notebooks/small.ipynb");
  let result: NotebookResult;

  beforeAll(async () => {
    ensureKernelBuilt();
    [result] = await runNotebooks([file], { skipTagged: [SKIP_TAG], allowErrors: true, timeout: 60, log: () => undefined });
  }, 180_000);

  test("the fresh run matches the stored notebook (the timing cell only after sanitizing)", () => {
    const stored = readNotebook(file);
    const cmp = compareNotebooks(stored, result.notebook, { sanitizers, executed: result.executed });
    expect(formatComparison(cmp, file)).toBe("");
    expect(cmp.ok).toBe(true);
    expect(cmp.cells.map((c) => c.status)).toEqual(["pass", "pass", "pass", "pass", "pass", "pass", "pass", "skipped", "ignored", "pass", "pass", "pass"]);
    // the nbval-skip cell (9) did not run and kept its stored output
    expect(result.skipped).toEqual([9]);
    expect(result.notebook.cells[8]).toEqual(stored.cells[8]);
    // the timing cell's text differs before sanitizing
    const timing = (nb: Notebook) => (nb.cells[5] as CodeCell).outputs.map((o) => (o.output_type === "stream" ? o.text : "")).join("");
    expect(timing(result.notebook)).toMatch(/^elapsed \d+\.\d\d ms\n$/);
    expect(sanitize(timing(result.notebook), sanitizers)).toBe("elapsed <time>\n");
    expect(result.tolerated.map((f) => f.message)).toEqual(["cell 5 raised Error: expected failure"]);
  });

  test("a deliberately changed stored output makes the comparison fail", () => {
    const stored = readNotebook(file);
    const sum = stored.cells[2] as CodeCell;
    expect(sum.outputs[0]).toMatchObject({ output_type: "execute_result", data: { "text/plain": ["15"] } });
    (sum.outputs[0] as { data: Record<string, unknown> }).data["text/plain"] = ["16"];
    const cmp = compareNotebooks(stored, result.notebook, { sanitizers, executed: result.executed });
    expect(cmp.ok).toBe(false);
    expect(cmp.cells.filter((c) => c.status === "fail").map((c) => c.cell)).toEqual([3]);
    const report = formatComparison(cmp, "small.ipynb");
    expect(report).toContain("cell 3 (x.sum().item()):");
    expect(report).toContain('output 1 (execute_result) text/plain differs; first difference at line 1, column 2:\n    expected: "16"\n    got:      "15"');
  });
});
