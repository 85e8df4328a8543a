// `torchlab run` for real: the built CLI (dist/kernel/src/torchlab.js) runs
// notebooks through the real kernel process; checked are the notebooks it
// writes, what it prints, its exit status, its errors for unusable files, the
// per-cell timeout, and that SIGINT/SIGTERM leave no half-written notebook.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CodeCell, Notebook, Output, joinText, parseNotebook, readNotebook } from "../kernel/src/notebook";
import { ensureKernelBuilt } from "./kernel/ensure_built";

const root = path.join(__dirname, "..");
const cli = path.join(root, "dist/kernel/src/torchlab.js");
const fixture = path.join(root, "test/fixtures/notebooks/small.ipynb");
let tmp = "";

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function torchlab(args: string[], during?: (child: ReturnType<typeof spawn>) => void): Promise<CliRun> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  during?.(child);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Writes a notebook of code cells (source, tags) into a new directory; returns its path. */
function notebookFile(name: string, cells: Array<string | [string, string[]]>): string {
  const dir = fs.mkdtempSync(path.join(tmp, "nb-"));
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "torchlab", display_name: "TypeScript (torchlab)", language: "typescript" } },
    cells: cells.map((c) => {
      const [source, tags] = typeof c === "string" ? [c, []] : c;
      return { cell_type: "code", metadata: tags.length ? { tags } : {}, source, execution_count: null, outputs: [] };
    }),
  };
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const cellAt = (nb: Notebook, n: number) => nb.cells[n - 1] as CodeCell;
const streamText = (outs: Output[], name = "stdout") => outs.map((o) => (o.output_type === "stream" && o.name === name ? joinText(o.text) : "")).join("");
const plain = (o: Output | undefined) => (o && "data" in o ? joinText(o.data["text/plain"] as string[]) : undefined);

beforeAll(() => {
  ensureKernelBuilt();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-run-test-"));
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("usage", () => {
  test("help prints the usage; usage errors exit 2 with it", async () => {
    const help = await torchlab(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: torchlab <command>/);
    expect(help.stdout).toContain("run NOTEBOOK... [--output DIR | --inplace] [--timeout S]");
    const cases: Array<[string[], string]> = [
      [[], "torchlab: no command given"],
      [["frobnicate"], 'torchlab: unknown command "frobnicate"'],
      [["run"], "torchlab: run needs at least one notebook"],
      [["run", "a.ipynb", "--inplace", "--output", "d"], "torchlab: give --output DIR or --inplace, not both"],
      [["run", "a.ipynb", "--timeout", "0"], 'torchlab: --timeout must be a positive number of seconds, got "0"'],
      [["run", "a.ipynb", "--timeout"], "torchlab: --timeout needs a value"],
      [["run", "a.ipynb", "--bogus"], "torchlab: unknown option --bogus"],
      [["run", "x/a.ipynb", "y/a.ipynb", "--output", "d"], "torchlab: x/a.ipynb and y/a.ipynb would both be written to d/a.ipynb"],
    ];
    for (const [args, message] of cases) {
      const r = await torchlab(args);
      expect({ args, code: r.code, first: r.stderr.split("\n")[0] }).toEqual({ args, code: 2, first: expect.stringContaining(message) });
      expect(r.stderr).toContain("usage: torchlab <command>");
    }
  }, 60_000);
});

describe("unusable notebook files are named, and nothing runs", () => {
  test("missing, a directory, malformed JSON, not a notebook, nbformat 3", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "bad-"));
    const write = (name: string, text: string) => (fs.writeFileSync(path.join(dir, name), text), path.join(dir, name));
    const malformed = write("malformed.ipynb", '{\n "cells": [],\n "nbformat": 4,,\n}');
    const notNb = write("plain.ipynb", '{"hello": "world"}');
    const v3 = write("old.ipynb", '{"nbformat": 3, "nbformat_minor": 0, "worksheets": []}');
    const list = write("list.ipynb", "[1, 2]");
    const missing = path.join(dir, "missing.ipynb");
    const good = notebookFile("good.ipynb", ['console.log("ran")']);
    const out = path.join(dir, "out");
    const r = await torchlab(["run", good, missing, dir, malformed, notNb, v3, list, "--output", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      `torchlab run: ${missing}: no such file`,
      `torchlab run: ${dir}: is a directory, expected a notebook file (.ipynb)`,
      // the part in parentheses is V8's own message, which changes between Node versions
      expect.stringMatching(new RegExp(`^torchlab run: ${escape(malformed)}: not valid JSON at line 3, column 16 \\(.+\\); expected a Jupyter notebook \\(nbformat 4 JSON\\)$`)),
      `torchlab run: ${notNb}: not a notebook: it has no "nbformat" field; expected a Jupyter notebook: a JSON object with nbformat 4, metadata and cells`,
      `torchlab run: ${v3}: nbformat 3 is not supported, expected nbformat 4 (convert it with: jupyter nbconvert --to notebook --nbformat 4)`,
      `torchlab run: ${list}: not a notebook: the JSON is a list; expected a Jupyter notebook: a JSON object with nbformat 4, metadata and cells`,
    ]);
    // the good notebook was not run either
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);

  test("a path that cannot be opened", async () => {
    const file = path.join(notebookFile("plain-file.ipynb", ["1"]), "inside.ipynb");
    const r = await torchlab(["run", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`torchlab run: ${file}: cannot read the file (ENOTDIR: not a directory)\n`);
  });

  // root reads files whatever their mode
  (process.getuid?.() === 0 ? test.skip : test)("a file without read permission", async () => {
    const file = notebookFile("locked.ipynb", ["1"]);
    fs.chmodSync(file, 0);
    const r = await torchlab(["run", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`torchlab run: ${file}: cannot read the file (EACCES: permission denied)\n`);
  });
});

describe("running the fixture notebook", () => {
  test("--output writes the executed notebook beside nothing else; the input stays as it was; images are saved", async () => {
    const before = fs.readFileSync(fixture);
    const out = path.join(tmp, "out");
    const images = path.join(tmp, "images");
    const r = await torchlab(["run", fixture, "--output", out, "--save-images", images]);
    expect(r.stderr).toBe("cell 5 raised Error: expected failure (allowed)\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`saved image: ${images}/small-cell11-1.svg\nsaved image: ${images}/small-cell11-2.png\n${fixture}: ran 12 code cell(s); written to ${out}/small.ipynb\n`);
    expect(fs.readFileSync(fixture).equals(before)).toBe(true);
    const nb = readNotebook(path.join(out, "small.ipynb"));
    const code = nb.cells.filter((c) => c.cell_type === "code") as CodeCell[];
    expect(code.map((c) => c.execution_count)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(streamText(cellAt(nb, 2).outputs)).toBe("shape [ 2, 3 ]\n");
    expect(cellAt(nb, 3).outputs).toEqual([{ output_type: "execute_result", execution_count: 2, metadata: {}, data: { "text/plain": ["15"] } }]);
    expect(streamText(cellAt(nb, 4).outputs, "stderr")).toBe("to stderr\n");
    expect(cellAt(nb, 5).outputs).toMatchObject([{ output_type: "error", ename: "Error", evalue: "expected failure" }]);
    expect(cellAt(nb, 7).outputs).toEqual([{ output_type: "display_data", metadata: {}, data: { "text/markdown": ["step 2"], "text/plain": ["step 2"] } }]);
    expect(cellAt(nb, 8).outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["kept\n"] }]);
    expect(plain(cellAt(nb, 12).outputs[0])).toBe("true"); // the kernel ran in the notebook's directory
    expect(plain(cellAt(nb, 13).outputs[0])).toBe("tensor([[ 0,  2,  4],\n        [ 6,  8, 10]])");
    expect(nb.metadata.language_info).toMatchObject({ name: "typescript", file_extension: ".ts" });
    expect(fs.readFileSync(path.join(images, "small-cell11-1.svg"), "utf8")).toBe('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>');
    expect(fs.readFileSync(path.join(images, "small-cell11-2.png")).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(fs.readdirSync(out)).toEqual(["small.ipynb"]);
  }, 120_000);

  test("without --output or --inplace it prints the outputs and writes no notebook", async () => {
    const before = fs.readdirSync(path.dirname(fixture));
    const r = await torchlab(["run", fixture]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 5)).toEqual([`== ${fixture}`, "In [1]:", "shape [ 2, 3 ]", "In [2]:", "Out[2]: 15"]);
    expect(r.stdout).toContain("In [6]:\nstep 2\nIn [7]:\nkept\n");
    expect(r.stdout).toContain("Out[12]: tensor([[ 0,  2,  4],\n        [ 6,  8, 10]])\n");
    expect(r.stderr).toBe("to stderr\nError: expected failure\n");
    expect(fs.readdirSync(path.dirname(fixture))).toEqual(before);
  }, 120_000);

  test("--inplace replaces the notebook with its executed version and leaves no temporary file", async () => {
    const file = notebookFile("inplace.ipynb", ["const a = torch.tensor([1, 2, 3]);", "a.sum().item()"]);
    const r = await torchlab(["run", file, "--inplace"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file}: ran 2 code cell(s); written to ${file}\n`);
    const text = fs.readFileSync(file, "utf8");
    expect(parseNotebook(text, file).cells.map((c) => [(c as CodeCell).execution_count, plain((c as CodeCell).outputs[0])])).toEqual([
      [1, undefined],
      [2, "6"],
    ]);
    expect(text.endsWith("}\n")).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["inplace.ipynb"]);
  }, 120_000);
});

describe("failing cells", () => {
  test("an error stops the notebook and fails the run; --allow-errors runs on and succeeds", async () => {
    const file = notebookFile("fails.ipynb", ['console.log("before")', 'throw new Error("boom")', 'console.log("after")']);
    const out = path.join(tmp, "fails-out");
    const r = await torchlab(["run", file, "--output", out]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe("cell 2 raised Error: boom");
    expect(lines).toContain(`${file}: stopped at cell 2; later cells were not run`);
    expect(r.stdout).toBe(`${file}: ran 2 code cell(s), 1 failed; written to ${out}/fails.ipynb\n`);
    let nb = readNotebook(path.join(out, "fails.ipynb"));
    expect(cellAt(nb, 2).outputs).toMatchObject([{ output_type: "error", ename: "Error", evalue: "boom" }]);
    expect(cellAt(nb, 3)).toMatchObject({ execution_count: null, outputs: [] });

    const again = await torchlab(["run", file, "--output", out, "--allow-errors"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("cell 2 raised Error: boom (allowed)\n");
    nb = readNotebook(path.join(out, "fails.ipynb"));
    expect(streamText(cellAt(nb, 3).outputs)).toBe("after\n");
  }, 120_000);

  // The first cell also loads the TypeScript compiler (seconds on a busy machine): the timeout leaves room for that.
  test("a cell past --timeout is interrupted and fails; the kernel survives for the next cell", async () => {
    const file = notebookFile("slow.ipynb", ['console.log("start")', "while (true) {}", 'console.log("after")']);
    const out = path.join(tmp, "slow-out");
    const t0 = Date.now();
    const r = await torchlab(["run", file, "--output", out, "--timeout", "10", "--allow-errors"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe("cell 2 timed out after 10 s; the kernel was interrupted");
    expect(r.stdout).toBe(`${file}: ran 3 code cell(s), 1 failed; written to ${out}/slow.ipynb\n`);
    const nb = readNotebook(path.join(out, "slow.ipynb"));
    expect(cellAt(nb, 2).outputs).toMatchObject([{ output_type: "error", ename: "KeyboardInterrupt" }]);
    expect(streamText(cellAt(nb, 3).outputs)).toBe("after\n");
    expect(Date.now() - t0).toBeLessThan(80_000);
  }, 120_000);
});

describe("signals", () => {
  const kernelAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const waitFor = async (what: string, ok: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  test.each([
    ["SIGINT", 130, "await new Promise((r) => setTimeout(r, 60000))"],
    ["SIGTERM", 143, "while (true) {}"],
  ] as const)("%s during a cell: exit %d, the kernel is shut down, the notebook is byte-identical, no temporary file", async (signal, status, slowCell) => {
    const file = notebookFile("wait.ipynb", ['require("fs").writeFileSync("kernel.pid", String(process.pid))', slowCell, 'console.log("never")']);
    const dir = path.dirname(file);
    const before = fs.readFileSync(file);
    const marker = path.join(dir, "kernel.pid");
    const r = await torchlab(["run", file, "--inplace"], (child) => {
      void waitFor("the first cell", () => fs.existsSync(marker) && fs.readFileSync(marker, "utf8") !== "", 90_000)
        .then(() => new Promise((ok) => setTimeout(ok, 500)))
        .then(() => child.kill(signal), () => child.kill("SIGKILL"));
    });
    expect(r.stderr).toContain(`torchlab run: ${signal}; shutting the kernel down`);
    expect(r.code).toBe(status);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(["kernel.pid", "wait.ipynb"]);
    const pid = Number(fs.readFileSync(marker, "utf8"));
    await waitFor(`kernel ${pid} to exit`, () => !kernelAlive(pid), 5000);
  }, 120_000);
});
