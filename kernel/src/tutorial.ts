#!/usr/bin/env node
/**
 * The main command: installs the kernelspec (for this user) and opens the tutorial notebooks
 * (notebooks/) in Jupyter: JupyterLab where it is installed, else Jupyter Notebook. Without
 * Jupyter it runs the first program (1.5) headlessly, prints its outputs, saves its plot and
 * says how to get the full notebook experience.
 *
 *   tutorial [--headless] [--out DIR] [JUPYTER OPTIONS...]
 *
 * Options it does not know (`--no-browser`, `--port=8889`, `--ip=0.0.0.0`) go to Jupyter.
 * `TORCHLAB_TUTORIAL_HEADLESS=1` does what `--headless` does.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_NAME, install, list } from "./cli";

/** A way to start a Jupyter front end: `command ...args ...userArgs`. */
export interface JupyterFrontEnd {
  /** "JupyterLab" or "Jupyter Notebook", for messages. */
  name: string;
  /** The executable. */
  command: string;
  /** Arguments before the user's: the subcommand when started as `jupyter lab`. */
  args: string[];
}

/** The front ends the tutorial can open, best first. */
export const FRONT_ENDS = [
  { name: "JupyterLab", sub: "lab" },
  { name: "Jupyter Notebook", sub: "notebook" },
] as const;
export type FrontEndKind = (typeof FRONT_ENDS)[number]["sub"];

/** The notebook the headless fallback runs. */
export const FIRST_PROGRAM = "1.5-first-program.ipynb";

const USAGE = `usage: torchlab tutorial [--headless] [--out DIR] [JUPYTER OPTIONS...]

Installs the torchlab kernelspec for this user and opens the tutorial notebooks in JupyterLab
(or Jupyter Notebook). Options it does not know go to Jupyter, e.g. --no-browser on a server.
Without Jupyter (or with --headless, or TORCHLAB_TUTORIAL_HEADLESS=1) it runs
${FIRST_PROGRAM} in the terminal and saves its plot in --out DIR (default: ./tutorial-output).
`;

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first executable called `name` in `env.PATH` (with PATHEXT's extensions on Windows).
 * @example findExecutable("jupyter") // "/usr/bin/jupyter", or undefined
 */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const exts = process.platform === "win32" ? ["", ...(env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue; // an empty entry means the cwd to a shell; never run what happens to lie there
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      if (isExecutableFile(file)) return file;
    }
  }
  return undefined;
}

/**
 * The Jupyter front end to open, found through `env.PATH`: JupyterLab before Jupyter Notebook
 * (or only the kinds in `only`), as `jupyter-lab` or, where only `jupyter` is on PATH, as
 * `jupyter lab`. Undefined when there is none.
 * @example findJupyter() // { name: "Jupyter Notebook", command: "/usr/bin/jupyter-notebook", args: [] }
 */
export function findJupyter(env: NodeJS.ProcessEnv = process.env, only?: FrontEndKind[]): JupyterFrontEnd | undefined {
  const jupyter = findExecutable("jupyter", env);
  // `jupyter lab` also finds `jupyter-lab` beside `jupyter` itself (or beside its link target):
  // a virtualenv whose bin/ is not on PATH but whose `jupyter` is linked from a directory that is.
  const besideJupyter = jupyter ? [...new Set([path.dirname(jupyter), path.dirname(fs.realpathSync(jupyter))])] : [];
  for (const { name, sub } of FRONT_ENDS) {
    if (only && !only.includes(sub)) continue;
    const direct = findExecutable(`jupyter-${sub}`, env);
    if (direct) return { name, command: direct, args: [] };
    if (jupyter && besideJupyter.some((dir) => isExecutableFile(path.join(dir, `jupyter-${sub}`)))) {
      return { name, command: jupyter, args: [sub] };
    }
  }
  return undefined;
}

/**
 * The command line that starts `frontEnd` with the user's options; run it in the notebooks
 * directory (Jupyter serves its working directory). As root, Jupyter refuses to start without
 * `--allow-root`, which containers often need, so it is added there.
 * @example jupyterCommand(fe, ["--no-browser"], { root: false }) // { command: "/usr/bin/jupyter", args: ["lab", "--no-browser"] }
 */
export function jupyterCommand(frontEnd: JupyterFrontEnd, userArgs: string[], options: { root: boolean }): { command: string; args: string[] } {
  const extra = options.root && !userArgs.includes("--allow-root") ? ["--allow-root"] : [];
  return { command: frontEnd.command, args: [...frontEnd.args, ...extra, ...userArgs] };
}

/**
 * The command line of the headless fallback: `torchlab run` on the notebook, images saved in `outDir`.
 * @example headlessCommand({ notebook: "notebooks/1.5-first-program.ipynb", outDir: "out" }).args[1] // "run"
 */
export function headlessCommand(options: { notebook: string; outDir: string; node?: string; torchlabJs?: string }): { command: string; args: string[] } {
  const torchlabJs = options.torchlabJs ?? path.join(__dirname, "torchlab.js");
  return { command: options.node ?? process.execPath, args: [torchlabJs, "run", options.notebook, "--save-images", options.outDir] };
}

/** What the command line asked for. */
export interface TutorialArgs {
  help: boolean;
  headless: boolean;
  outDir: string;
  /** Options for Jupyter. */
  jupyterArgs: string[];
}

/**
 * Splits the command line into the tutorial's own options and Jupyter's.
 * @example parseTutorialArgs(["--no-browser"]).jupyterArgs // ["--no-browser"]
 */
export function parseTutorialArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): TutorialArgs {
  const parsed: TutorialArgs = { help: false, headless: env.TORCHLAB_TUTORIAL_HEADLESS === "1", outDir: path.resolve(cwd, "tutorial-output"), jupyterArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") parsed.help = true;
    else if (arg === "--headless") parsed.headless = true;
    else if (arg === "--out" || arg.startsWith("--out=")) {
      const value = arg === "--out" ? argv[++i] : arg.slice("--out=".length);
      if (!value || value.startsWith("-")) throw new Error(`--out needs a directory (where the headless run saves the plot), got ${value === undefined ? "nothing" : JSON.stringify(value)}`);
      parsed.outDir = path.resolve(cwd, value);
    } else parsed.jupyterArgs.push(arg);
  }
  return parsed;
}

/**
 * notebooks/ of this package: three levels up from dist/kernel/src/, two from kernel/src/.
 * @example notebooksDir() // "/home/me/torchlab/notebooks"
 */
export function notebooksDir(): string | undefined {
  return ["../../../notebooks", "../../notebooks"].map((rel) => path.resolve(__dirname, rel)).find((d) => fs.existsSync(path.join(d, FIRST_PROGRAM)));
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs a command in the foreground with this terminal, passing signals on; resolves to its exit
 * status (128 + signal number when a signal ended it, as shells report it).
 * @example await runForeground("jupyter-lab", [], "notebooks")
 */
export function runForeground(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: "inherit" });
    const forward = (signal: NodeJS.Signals): void => {
      // Ctrl-C in a terminal already reached the child (same process group); a second SIGINT
      // would make Jupyter skip its "Shut down this server?" question.
      if (signal === "SIGINT" && process.stdin.isTTY) return;
      child.kill(signal);
    };
    for (const s of FORWARDED_SIGNALS) process.on(s, forward);
    const done = (status: number): void => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      resolve(status);
    };
    child.on("error", (e) => {
      process.stderr.write(`tutorial: could not start ${command}: ${e.message}\n`);
      done(127);
    });
    child.on("exit", (code, signal) => done(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
}

/** Files in `dir` written since `since` (ms), sorted. */
function writtenSince(dir: string, since: number): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => path.join(dir, n))
    .filter((f) => fs.statSync(f).isFile() && fs.statSync(f).mtimeMs >= since)
    .sort();
}

/** Installs the kernelspec for this user; warns when another spec of that name hides it. */
function installKernelspec(): void {
  const dir = install({ target: { kind: "user" } });
  process.stdout.write(`Installed the ${DEFAULT_NAME} kernelspec in ${dir}\n`);
  const seen = list().find((s) => s.name.toLowerCase() === DEFAULT_NAME && !s.shadowed);
  if (seen && !seen.current) {
    process.stderr.write(
      `tutorial: warning: Jupyter will use the kernelspec in ${seen.dir} instead, which runs ${String(seen.spec.argv?.[1])}; ` +
        `remove it (torchlab-kernel uninstall with its --prefix/--sys-prefix) to use this checkout\n`,
    );
  }
}

async function runHeadless(notebooks: string, args: TutorialArgs, why: string): Promise<number> {
  process.stdout.write(`${why}: running ${FIRST_PROGRAM} in the terminal instead.\n\n`);
  if (args.jupyterArgs.length > 0) process.stdout.write(`(ignoring ${args.jupyterArgs.join(" ")}: those are for Jupyter)\n`);
  const cmd = headlessCommand({ notebook: path.join(notebooks, FIRST_PROGRAM), outDir: args.outDir });
  if (!fs.existsSync(cmd.args[0])) {
    process.stderr.write(`tutorial: ${cmd.args[0]} is missing; build it with npm run build:ts\n`);
    return 1;
  }
  fs.mkdirSync(args.outDir, { recursive: true });
  const started = Date.now() - 1000; // mtimes may be rounded down to the second
  const status = await runForeground(cmd.command, cmd.args, notebooks);
  const images = writtenSince(args.outDir, started);
  process.stdout.write("\n");
  for (const image of images) process.stdout.write(`The plot is in ${image}\n`);
  if (status === 0 && images.length === 0) process.stdout.write(`(no plot was saved in ${args.outDir})\n`);
  process.stdout.write(
    "\nFor the full notebook experience (every section, editable, the plots inline), install Jupyter:\n" +
      "  sudo apt install jupyter-notebook     # Debian, Ubuntu\n" +
      "  pip install jupyterlab                # or, anywhere with Python\n" +
      "then run this command again.\n",
  );
  return status;
}

/**
 * The main command: installs the kernelspec and opens notebooks/ in Jupyter, or runs the first
 * program headlessly where there is no Jupyter. Resolves to the exit status.
 * @example process.exitCode = await tutorialMain(["--no-browser"]);
 */
export async function tutorialMain(argv: string[]): Promise<number> {
  let args: TutorialArgs;
  try {
    args = parseTutorialArgs(argv);
  } catch (e) {
    process.stderr.write(`tutorial: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const notebooks = notebooksDir();
  if (!notebooks) {
    process.stderr.write(`tutorial: the notebooks are missing: expected ${path.resolve(__dirname, "../../../notebooks", FIRST_PROGRAM)}\n`);
    return 1;
  }
  try {
    installKernelspec();
  } catch (e) {
    process.stderr.write(`tutorial: could not install the kernelspec: ${(e as Error).message}\n`);
    return 1;
  }
  if (args.headless) return runHeadless(notebooks, args, "Headless mode");
  const frontEnd = findJupyter();
  if (!frontEnd) return runHeadless(notebooks, args, "No Jupyter found (looked for jupyter-lab, jupyter-notebook on PATH)");
  const cmd = jupyterCommand(frontEnd, args.jupyterArgs, { root: process.getuid?.() === 0 });
  process.stdout.write(`Opening the notebooks in ${frontEnd.name}: ${[cmd.command, ...cmd.args].join(" ")} (in ${notebooks}); stop it with Ctrl-C\n`);
  return runForeground(cmd.command, cmd.args, notebooks);
}

if (require.main === module) {
  tutorialMain(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
