// A notebook (test/fixtures/kernel_sample.ipynb) run through Jupyter's own
// client, nbclient (test/kernel/nbclient_run.py), against the torchlab
// kernelspec installed into a temporary JUPYTER_PATH; its outputs checked.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..");
const cli = path.join(root, "dist/kernel/src/cli.js");
const python = process.env.TORCHLAB_PYTHON || "/usr/bin/python3";

interface Output {
  output_type: "stream" | "execute_result" | "display_data" | "error";
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: Output[];
}

const joined = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));

let tmp = "";
let executed: Cell[] = [];
let runLog = "";
let runStatus: number | null = null;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-nbclient-"));
  const r = spawnSync(process.execPath, [cli, "install", "--prefix", tmp], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`torchlab-kernel install failed: ${r.stderr}`);
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir);
  const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: dataDir };
  delete env.NODE_OPTIONS;
  const out = path.join(tmp, "executed.ipynb");
  runStatus = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(python, [path.join(root, "test/kernel/nbclient_run.py"), path.join(root, "test/fixtures/kernel_sample.ipynb"), out], { cwd: root, env });
    child.stdout.on("data", (d) => (runLog += d));
    child.stderr.on("data", (d) => (runLog += d));
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  if (fs.existsSync(out)) executed = JSON.parse(fs.readFileSync(out, "utf8")).cells.filter((c: Cell) => c.cell_type === "code");
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The executed cell whose source starts with `start`. */
function cell(start: string): Cell {
  const c = executed.find((c) => joined(c.source).startsWith(start));
  if (!c) throw new Error(`no executed cell starting with ${JSON.stringify(start)}`);
  return c;
}

describe("nbclient runs a notebook on the torchlab kernel", () => {
  test("the whole notebook runs; only the cells tagged raises-exception fail", () => {
    if (runStatus !== 0) console.log(runLog);
    expect(runStatus).toBe(0);
    expect(executed.length).toBe(9);
    // every code cell ran, in order, with increasing execution counts
    const counts = executed.map((c) => c.execution_count);
    expect(counts.every((n) => typeof n === "number")).toBe(true);
    expect([...counts].sort((a, b) => a! - b!)).toEqual(counts);
    expect(new Set(counts).size).toBe(counts.length);
  });

  test("console output is a stdout stream", () => {
    const outs = cell("const x = torch.arange(6)").outputs!;
    expect(outs.map((o) => ({ ...o, text: joined(o.text) }))).toEqual([{ output_type: "stream", name: "stdout", text: "shape [ 2, 3 ]\n" }]);
  });

  test("a cell's last expression is its execute_result", () => {
    const [r] = cell("x.sum().item()").outputs!;
    expect(r.output_type).toBe("execute_result");
    expect(joined(r.data!["text/plain"])).toBe("15");
    expect(r.execution_count).toBe(cell("x.sum().item()").execution_count);
  });

  test("display(tensor) shows the PyTorch repr and an HTML table", () => {
    const outs = cell("display(x)").outputs!;
    expect(outs.length).toBe(1);
    expect(outs[0].output_type).toBe("display_data");
    expect(joined(outs[0].data!["text/plain"])).toBe("tensor([[0, 1, 2],\n        [3, 4, 5]])");
    expect(joined(outs[0].data!["text/html"])).toMatch(/<table/);
  });

  test("a tensor as the last expression", () => {
    const [r] = cell("x.mul(2)").outputs!;
    expect(r.output_type).toBe("execute_result");
    expect(joined(r.data!["text/plain"])).toBe("tensor([[ 0,  2,  4],\n        [ 6,  8, 10]])");
  });

  test("a thrown Error is an error output with its cell line", () => {
    const outs = cell("throw new Error").outputs!;
    expect(outs.length).toBe(1);
    expect(outs[0]).toMatchObject({ output_type: "error", ename: "Error", evalue: "expected failure" });
    expect(outs[0].traceback!.length).toBeGreaterThan(0);
  });

  test("a type error is an error output", () => {
    const outs = cell("const wrong: number").outputs!;
    expect(outs.length).toBe(1);
    expect(outs[0].output_type).toBe("error");
    expect(`${outs[0].ename} ${outs[0].evalue} ${outs[0].traceback!.join("\n")}`).toMatch(/not assignable to type 'number'/);
  });

  test("top-level await, and cells after failed ones keep earlier variables", () => {
    expect(joined(cell("const doubled").outputs![0].data!["text/plain"])).toBe("42");
    const outs = cell('console.error("to stderr")').outputs!;
    const stderr = outs.filter((o) => o.name === "stderr").map((o) => joined(o.text)).join("");
    const stdout = outs.filter((o) => o.name === "stdout").map((o) => joined(o.text)).join("");
    expect(stderr).toBe("to stderr\n");
    expect(stdout).toBe("tensor([[1, 2, 3],\n        [4, 5, 6]])\n");
  });

  test("display.markdown", () => {
    const outs = cell("display.markdown").outputs!;
    expect(outs.length).toBe(1);
    expect(outs[0].output_type).toBe("display_data");
    expect(joined(outs[0].data!["text/markdown"])).toBe("**6** elements");
  });
});
