// Jupyter's conformance suite (jupyter_kernel_test, test/kernel/conformance.py)
// against the built kernel, installed with torchlab-kernel into a temporary
// JUPYTER_PATH: all 12 of its tests must pass.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..");
const cli = path.join(root, "dist/kernel/src/cli.js");
const python = process.env.TORCHLAB_PYTHON || "/usr/bin/python3";

/** The 12 tests of jupyter_kernel_test.KernelTests. */
export const CONFORMANCE_TESTS = [
  "test_kernel_info",
  "test_execute_stdout",
  "test_execute_stderr",
  "test_completion",
  "test_is_complete",
  "test_pager",
  "test_error",
  "test_execute_result",
  "test_display_data",
  "test_history",
  "test_inspect",
  "test_clear_output",
];

type Verdicts = Record<string, { verdict: "ok" | "FAIL" | "ERROR" | "skipped"; details: string[] }>;

function hasJupyterKernelTest(): boolean {
  const r = spawnSync(python, ["-c", "import jupyter_kernel_test, jupyter_client"], { encoding: "utf8" });
  return r.status === 0;
}

const made: string[] = [];
let jupyterPath = "";
let dataDir = "";

beforeAll(() => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-conf-"));
  made.push(prefix);
  dataDir = path.join(prefix, "data");
  fs.mkdirSync(dataDir);
  const r = spawnSync(process.execPath, [cli, "install", "--prefix", prefix], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`torchlab-kernel install failed: ${r.stderr}`);
  jupyterPath = path.join(prefix, "share", "jupyter");
});

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe("jupyter_kernel_test", () => {
  test("all 12 tests pass against the torchlab kernel", async () => {
    if (!hasJupyterKernelTest()) {
      throw new Error(`${python} cannot import jupyter_kernel_test and jupyter_client (Debian: apt-get install python3-jupyter-kernel-test)`);
    }
    const resultFile = path.join(dataDir, "conformance.json");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JUPYTER_PATH: jupyterPath,
      JUPYTER_DATA_DIR: dataDir,
      TORCHLAB_KERNEL_NAME: "torchlab",
      CONFORMANCE_RESULT_JSON: resultFile,
    };
    delete env.NODE_OPTIONS; // jest's --expose-gc etc. are not the kernel's
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(python, [path.join(root, "test/kernel/conformance.py"), "-v"], { cwd: root, env });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.stderr.on("data", (d) => (text += d));
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    let verdicts: Verdicts = {};
    try {
      verdicts = JSON.parse(fs.readFileSync(resultFile, "utf8"));
    } catch {
      // no result file: the suite did not get to run; every test reads "missing" and the output says why
    }
    const summary = Object.fromEntries(CONFORMANCE_TESTS.map((t) => [t, verdicts[t]?.verdict ?? "missing"]));
    const failed = CONFORMANCE_TESTS.filter((t) => summary[t] !== "ok");
    if (failed.length > 0) {
      // which failed and why, then unittest's own report, for whoever reads the jest output
      const details = failed.map((t) => `--- ${t}: ${summary[t]}\n${(verdicts[t]?.details ?? []).join("\n")}`).join("\n");
      console.log(`jupyter_kernel_test: ${CONFORMANCE_TESTS.length - failed.length}/12 pass; failed: ${failed.join(", ")}\n${details}\n\n${output.slice(-8000)}`);
    }
    expect(summary).toEqual(Object.fromEntries(CONFORMANCE_TESTS.map((t) => [t, "ok"])));
  }, 180_000);
});
