// Every notebooks/*.ipynb executed by Jupyter's own client, nbclient
// (test/kernel/nbclient_run.py), on the torchlab kernelspec installed into a
// temporary JUPYTER_PATH: any cell error fails, except in cells tagged
// raises-exception. nbclient knows nothing of nbval-skip, so those cells run
// too and must not fail either.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CodeCell, cellTags, joinText, readNotebook } from "../kernel/src/notebook";
import { ensureKernelBuilt } from "./kernel/ensure_built";
import { notebookFiles, notebooksDir } from "./kernel/notebooks";

const root = path.join(__dirname, "..");
const python = process.env.TORCHLAB_PYTHON || "/usr/bin/python3";
const files = notebookFiles();
let tmp = "";
let env: NodeJS.ProcessEnv = {};

function nbclient(input: string, output: string): Promise<{ status: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    let log = "";
    const child = spawn(python, [path.join(root, "test/kernel/nbclient_run.py"), input, output, "--timeout", "120"], { cwd: root, env });
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, log }));
  });
}

if (files.length === 0) {
  // the tutorial notebooks are committed: none found means the directory is wrong
  test(`notebooks in ${notebooksDir}`, () => {
    expect(files).not.toEqual([]);
  });
} else {
  beforeAll(() => {
    ensureKernelBuilt();
    const probe = spawnSync(python, ["-c", "import nbclient, nbformat"], { encoding: "utf8" });
    if (probe.status !== 0) throw new Error(`${python} cannot import nbclient and nbformat (Debian: apt-get install python3-nbclient): ${probe.stderr}`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-nbclient-"));
    const r = spawnSync(process.execPath, [path.join(root, "dist/kernel/src/cli.js"), "install", "--prefix", tmp], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`torchlab-kernel install failed: ${r.stderr}`);
    fs.mkdirSync(path.join(tmp, "data"));
    env = { ...process.env, JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(tmp, "data") };
    delete env.NODE_OPTIONS;
  }, 180_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe("nbclient runs every notebook without a cell error", () => {
    test.each(files.map((f) => [path.relative(root, f), f]))("%s", async (_name, file) => {
      const out = path.join(tmp, path.basename(file));
      const { status, log } = await nbclient(file, out);
      // nbclient stops at the first error in a cell not tagged raises-exception
      expect({ status, log: status === 0 ? "" : log }).toEqual({ status: 0, log: "" });
      const executed = readNotebook(out).cells.filter((c): c is CodeCell => c.cell_type === "code" && joinText(c.source).trim() !== "");
      const errors = executed.flatMap((c) =>
        c.outputs.flatMap((o) => (o.output_type === "error" && !cellTags(c).includes("raises-exception") ? [`${joinText(c.source).split("\n")[0]}: ${o.ename}: ${o.evalue}`] : [])),
      );
      expect(errors).toEqual([]);
      expect(executed.filter((c) => c.execution_count === null).map((c) => joinText(c.source).split("\n")[0])).toEqual([]);
    }, 600_000);
  });
}
