// The main command (kernel/src/tutorial.ts): how it finds Jupyter on PATH, the command line it
// starts Jupyter with, and, end to end through dist/, that it installs the kernelspec, starts
// Jupyter in notebooks/ with the user's options, passes signals on, and falls back to the
// headless run. Jupyter is played by small shell scripts in temporary PATH directories.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { findExecutable, findJupyter, headlessCommand, jupyterCommand, parseTutorialArgs } from "../kernel/src/tutorial";

const ROOT = path.join(__dirname, "..");
const TUTORIAL_JS = path.join(ROOT, "dist/kernel/src/tutorial.js");
const RUNNER_JS = path.join(ROOT, "dist/kernel/src/torchlab.js");
const NOTEBOOKS = path.join(ROOT, "notebooks");
const IS_ROOT = process.getuid?.() === 0;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-tutorial-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let dirCount = 0;
/** A new directory under tmp holding `files` (name -> shell script body, or null for a non-executable file). */
function binDir(files: Record<string, string | null>): string {
  const dir = path.join(tmp, `bin${dirCount++}`);
  fs.mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body ?? "exit 0"}\n`, { mode: body === null ? 0o644 : 0o755 });
  }
  return dir;
}
/** A process's command line, or "" when it is gone. */
function cmdlineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}
const pathOf = (...dirs: string[]): NodeJS.ProcessEnv => ({ PATH: dirs.join(path.delimiter) });

describe("finding Jupyter on PATH", () => {
  it("finds nothing where PATH holds no Jupyter", () => {
    const empty = binDir({ python3: "" });
    expect(findJupyter(pathOf(empty))).toBeUndefined();
    expect(findJupyter({ PATH: "" })).toBeUndefined();
    expect(findJupyter({})).toBeUndefined();
  });

  it("finds Debian's jupyter-notebook", () => {
    const bin = binDir({ jupyter: "", "jupyter-notebook": "" });
    expect(findJupyter(pathOf(bin))).toEqual({ name: "Jupyter Notebook", command: path.join(bin, "jupyter-notebook"), args: [] });
  });

  it("prefers JupyterLab, wherever it comes in PATH", () => {
    const notebook = binDir({ "jupyter-notebook": "" });
    const lab = binDir({ "jupyter-lab": "" });
    expect(findJupyter(pathOf(notebook, lab))).toEqual({ name: "JupyterLab", command: path.join(lab, "jupyter-lab"), args: [] });
    expect(findJupyter(pathOf(notebook, lab), ["notebook"])).toEqual({ name: "Jupyter Notebook", command: path.join(notebook, "jupyter-notebook"), args: [] });
  });

  it("skips files that are not executable and directories", () => {
    const broken = binDir({ "jupyter-lab": null });
    fs.mkdirSync(path.join(broken, "jupyter-notebook"));
    const good = binDir({ "jupyter-notebook": "" });
    expect(findExecutable("jupyter-lab", pathOf(broken))).toBeUndefined();
    expect(findJupyter(pathOf(broken, good))).toEqual({ name: "Jupyter Notebook", command: path.join(good, "jupyter-notebook"), args: [] });
  });

  it("uses `jupyter lab` when only `jupyter` is on PATH, linked from a virtualenv that has jupyter-lab", () => {
    const venvBin = binDir({ jupyter: "", "jupyter-lab": "" });
    const onPath = path.join(tmp, `bin${dirCount++}`);
    fs.mkdirSync(onPath);
    fs.symlinkSync(path.join(venvBin, "jupyter"), path.join(onPath, "jupyter"));
    expect(findJupyter(pathOf(onPath))).toEqual({ name: "JupyterLab", command: path.join(onPath, "jupyter"), args: ["lab"] });
  });

  it("does not take `jupyter` alone for a front end", () => {
    const bin = binDir({ jupyter: "", "jupyter-console": "" });
    expect(findJupyter(pathOf(bin))).toBeUndefined();
  });
});

describe("command lines", () => {
  const lab = { name: "JupyterLab", command: "/opt/venv/bin/jupyter", args: ["lab"] };

  it("starts Jupyter with the subcommand, then the user's options in order", () => {
    expect(jupyterCommand(lab, ["--no-browser", "--port=8890"], { root: false })).toEqual({
      command: "/opt/venv/bin/jupyter",
      args: ["lab", "--no-browser", "--port=8890"],
    });
  });

  it("adds --allow-root for root, once", () => {
    expect(jupyterCommand(lab, ["--no-browser"], { root: true }).args).toEqual(["lab", "--allow-root", "--no-browser"]);
    expect(jupyterCommand(lab, ["--allow-root"], { root: true }).args).toEqual(["lab", "--allow-root"]);
  });

  it("runs the headless fallback as `node torchlab.js run NOTEBOOK --save-images DIR`", () => {
    expect(headlessCommand({ notebook: "/nb/1.5-first-program.ipynb", outDir: "/out", node: "/usr/bin/node", torchlabJs: "/d/torchlab.js" })).toEqual({
      command: "/usr/bin/node",
      args: ["/d/torchlab.js", "run", "/nb/1.5-first-program.ipynb", "--save-images", "/out"],
    });
  });

  it("keeps its own options and passes the rest to Jupyter", () => {
    expect(parseTutorialArgs(["--no-browser", "--out", "plots", "--headless", "--ip=0.0.0.0"], {}, "/home/u")).toEqual({
      help: false,
      headless: true,
      outDir: "/home/u/plots",
      jupyterArgs: ["--no-browser", "--ip=0.0.0.0"],
    });
    expect(parseTutorialArgs([], {}, "/w")).toEqual({ help: false, headless: false, outDir: "/w/tutorial-output", jupyterArgs: [] });
    expect(parseTutorialArgs(["--out=/tmp/x"], { TORCHLAB_TUTORIAL_HEADLESS: "1" }, "/w")).toMatchObject({ headless: true, outDir: "/tmp/x" });
    expect(parseTutorialArgs(["-h"], {}, "/w").help).toBe(true);
    expect(() => parseTutorialArgs(["--out"], {}, "/w")).toThrow("--out needs a directory (where the headless run saves the plot), got nothing");
  });
});

/** Runs dist/kernel/src/tutorial.js with PATH = `dirs`, Jupyter's data in a temp dir. */
function runTutorial(args: string[], dirs: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const data = path.join(tmp, `data${dirCount++}`);
  const env: NodeJS.ProcessEnv = { HOME: tmp, PATH: dirs.join(path.delimiter), JUPYTER_DATA_DIR: data, ...extraEnv };
  const r = spawnSync(process.execPath, [TUTORIAL_JS, ...args], { env, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, data };
}

/** A fake Jupyter front end that writes its arguments (one a line) and working directory to `record`, then exits 7. */
function recordingJupyter(name: string, record: string): string {
  return binDir({ [name]: `pwd > "${record}"\nfor a in "$@"; do echo "$a" >> "${record}"; done\nexit 7` });
}

describe("the main command, from dist/", () => {
  it("installs the kernelspec, then starts JupyterLab in notebooks/ with the user's options, and returns its status", () => {
    const record = path.join(tmp, "lab-args.txt");
    const bin = recordingJupyter("jupyter-lab", record);
    const r = runTutorial(["--no-browser", "--port=8890"], [bin, binDir({ "jupyter-notebook": "exit 1" })]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(7);
    const [cwd, ...args] = fs.readFileSync(record, "utf8").trimEnd().split("\n");
    expect(fs.realpathSync(cwd)).toBe(fs.realpathSync(NOTEBOOKS));
    expect(args).toEqual([...(IS_ROOT ? ["--allow-root"] : []), "--no-browser", "--port=8890"]);
    const spec = JSON.parse(fs.readFileSync(path.join(r.data, "kernels/torchlab/kernel.json"), "utf8"));
    expect(spec.argv[1]).toBe(path.join(ROOT, "dist/kernel/src/main.js"));
    expect(r.stdout).toContain(`Installed the torchlab kernelspec in ${path.join(r.data, "kernels/torchlab")}`);
    expect(r.stdout).toContain("Opening the notebooks in JupyterLab");
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`passes ${signal} on to Jupyter and returns once Jupyter has stopped`, async () => {
      const ready = path.join(tmp, `ready-${signal}`);
      const got = path.join(tmp, `got-${signal}`);
      // the fake gives up after 30 s, so that even a failing test leaves no process behind
      const bin = binDir({
        "jupyter-notebook": `trap 'echo TERM > "${got}"; exit 0' TERM\ntrap 'echo INT > "${got}"; exit 3' INT\necho $$ > "${ready}"\n` +
          `i=0; while [ $i -lt 600 ]; do /bin/sleep 0.05; i=$((i + 1)); done; exit 9`,
      });
      const env = { HOME: tmp, PATH: bin, JUPYTER_DATA_DIR: path.join(tmp, `data${dirCount++}`) };
      // stdin is a pipe, not a terminal: nothing else delivers the SIGINT to Jupyter
      const child = spawn(process.execPath, [TUTORIAL_JS], { env, stdio: ["pipe", "pipe", "pipe"] });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const deadline = Date.now() + 30_000;
      const fakePid = (): number => Number(/^(\d+)\n/.exec(fs.existsSync(ready) ? fs.readFileSync(ready, "utf8") : "")?.[1] ?? 0);
      while (fakePid() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(fakePid()).toBeGreaterThan(0);
      try {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        const status = await exited;
        clearTimeout(timer);
        expect(fs.readFileSync(got, "utf8").trim()).toBe(signal === "SIGTERM" ? "TERM" : "INT");
        expect(status).toBe(signal === "SIGTERM" ? 0 : 3);
      } finally {
        // Only still there when the signal did not reach it; checked by its command line, as
        // its pid may belong to another process once it is gone.
        const pid = fakePid();
        if (pid > 0 && cmdlineOf(pid).includes(bin)) process.kill(pid, "SIGKILL");
      }
    }, 60_000);
  }

  it("says what is wrong with its options (exit 2)", () => {
    const r = runTutorial(["--out"], [binDir({})]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tutorial: --out needs a directory .*\n\nusage: torchlab tutorial/);
  });

  // The headless run needs `torchlab run` (dist/kernel/src/torchlab.js); without it the
  // fallback must say so rather than fail obscurely.
  const runnerBuilt = fs.existsSync(RUNNER_JS);
  for (const how of ["no Jupyter on PATH", "TORCHLAB_TUTORIAL_HEADLESS=1"] as const) {
    it(`runs the first program headlessly with ${how}${runnerBuilt ? "" : " (torchlab.js not built: checks the message)"}`, () => {
      const record = path.join(tmp, `headless-${dirCount}.txt`);
      const out = path.join(tmp, `out${dirCount++}`);
      const forced = how !== "no Jupyter on PATH";
      const dirs = forced ? [recordingJupyter("jupyter-lab", record)] : [binDir({})];
      const r = runTutorial(["--out", out, "--no-browser"], dirs, forced ? { TORCHLAB_TUTORIAL_HEADLESS: "1" } : {});
      expect(fs.existsSync(record)).toBe(false); // Jupyter was not started
      expect(r.stdout).toContain(forced ? "Headless mode: running 1.5-first-program.ipynb" : "No Jupyter found (looked for jupyter-lab, jupyter-notebook on PATH)");
      expect(r.stdout).toContain("(ignoring --no-browser: those are for Jupyter)");
      if (!runnerBuilt) {
        expect(r.status).toBe(1);
        expect(r.stderr).toBe(`tutorial: ${RUNNER_JS} is missing; build it with npm run build:ts\n`);
        return;
      }
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Loss: \d\.\d+ after \d+ batches$/m);
      const images = fs.readdirSync(out).filter((f) => /\.(svg|png)$/.test(f));
      expect(images.length).toBeGreaterThan(0);
      for (const image of images) expect(r.stdout).toContain(`The plot is in ${path.join(out, image)}`);
      expect(r.stdout).toContain("sudo apt install jupyter-notebook");
      expect(r.stdout).toContain("pip install jupyterlab");
    }, 120_000);
  }
});
