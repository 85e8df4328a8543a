#!/usr/bin/env node
/**
 * `torchlab`: the command line of the package.
 *
 *   torchlab run NOTEBOOK... [--output DIR | --inplace] [--timeout S] [--allow-errors] [--save-images DIR]
 *   torchlab tutorial [--headless] [--out DIR] [JUPYTER OPTIONS...]
 *   torchlab help
 *
 * Exit status: 0 all cells ran, 1 a cell failed or a notebook could not be
 * read, 2 a usage error, 130/143 interrupted by SIGINT/SIGTERM (the kernel is
 * shut down and no notebook is left half written).
 */
import { NotebookLoadError, RunAbortedError, RunOptions, outputPaths, runNotebooks } from "./run";

export const USAGE = `usage: torchlab <command> [options]

commands:
  run NOTEBOOK... [--output DIR | --inplace] [--timeout S] [--allow-errors] [--save-images DIR]
      executes each notebook's code cells in a fresh torchlab kernel (started in
      the notebook's directory), as \`jupyter nbconvert --execute\` does; prints
      every cell's errors; exits 1 if a cell failed
        --output DIR       write the executed notebooks to DIR (under their own names)
        --inplace          write each executed notebook over its file
                           (without either: write no notebook, print the outputs)
        --timeout S        seconds a cell may run (default 60); then the kernel is
                           interrupted and the cell fails
        --allow-errors     run all cells even after errors, which then don't fail the run
        --save-images DIR  write SVG and PNG outputs to DIR/<notebook>-cell<N>-<k>.svg/.png
      cells tagged raises-exception may fail without failing the run
  tutorial [--headless] [--out DIR] [JUPYTER OPTIONS...]
      installs the kernelspec and opens the tutorial notebooks in JupyterLab or
      Jupyter Notebook (other options go to Jupyter, e.g. --no-browser); without
      Jupyter (or with --headless) runs the first-program notebook here and saves
      its plot in --out DIR (default ./tutorial-output)
  help
      prints this text
`;

/** A command line the commands cannot make sense of (exit status 2). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What `torchlab run`'s arguments ask for. */
export interface RunCommand {
  paths: string[];
  options: Pick<RunOptions, "output" | "inplace" | "timeout" | "allowErrors" | "saveImages">;
}

/**
 * Parses `torchlab run`'s arguments (after "run"); throws UsageError.
 *
 * @example
 * parseRunArgs(["a.ipynb", "--timeout", "5"]); // { paths: ["a.ipynb"], options: { timeout: 5 } }
 */
export function parseRunArgs(argv: string[]): RunCommand {
  const paths: string[] = [];
  const options: RunCommand["options"] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      return argv[++i];
    };
    const flag = () => {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
    };
    if (arg === "--") {
      paths.push(...argv.slice(i + 1));
      break;
    } else if (name === "--output" || name === "-o") options.output = value();
    else if (name === "--inplace") (flag(), (options.inplace = true));
    else if (name === "--allow-errors") (flag(), (options.allowErrors = true));
    else if (name === "--save-images") options.saveImages = value();
    else if (name === "--timeout") {
      const text = value();
      const s = Number(text);
      if (text.trim() === "" || !Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(text)}`);
      options.timeout = s;
    } else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${name}`);
    else paths.push(arg);
  }
  if (paths.length === 0) throw new UsageError("run needs at least one notebook");
  if (options.output !== undefined && options.inplace) throw new UsageError("give --output DIR or --inplace, not both");
  if (options.output === "") throw new UsageError("--output needs a directory");
  try {
    outputPaths(paths, options);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { paths, options };
}

const SIGNAL_STATUS = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * `torchlab run`: runs the notebooks; SIGINT/SIGTERM abort the run (kernel shut
 * down, nothing half written). Returns the exit status.
 *
 * @example
 * process.exitCode = await runCommand(["notebooks/1.1-tensor.ipynb", "--inplace"]);
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { paths, options } = parseRunArgs(argv);
  const controller = new AbortController();
  let received: keyof typeof SIGNAL_STATUS | undefined;
  const handlers = (Object.keys(SIGNAL_STATUS) as Array<keyof typeof SIGNAL_STATUS>).map((sig) => {
    const handler = () => {
      // A second signal must not kill us mid-cleanup (the kernel would be left running).
      if (received) return void process.stderr.write(`torchlab run: ${sig} again; still shutting the kernel down\n`);
      received = sig;
      process.stderr.write(`torchlab run: ${sig}; shutting the kernel down\n`);
      controller.abort(sig);
    };
    process.on(sig, handler);
    return () => process.off(sig, handler);
  });
  try {
    const results = await runNotebooks(paths, {
      ...options,
      signal: controller.signal,
      log: (line) => process.stdout.write(line + "\n"),
      logError: (line) => process.stderr.write(line + "\n"),
    });
    return results.every((r) => r.ok) ? 0 : 1;
  } catch (e) {
    if (e instanceof RunAbortedError) return SIGNAL_STATUS[received ?? "SIGINT"];
    if (e instanceof NotebookLoadError) {
      for (const err of e.errors) process.stderr.write(`torchlab run: ${err.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    for (const off of handlers) off();
  }
}

/**
 * The `torchlab` command: dispatches to a subcommand; returns the exit status.
 *
 * @example
 * torchlabMain(["help"]).then((code) => process.exit(code));
 */
export async function torchlabMain(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        if (rest.includes("--help") || rest.includes("-h")) return help();
        return await runCommand(rest);
      case "help":
      case "--help":
      case "-h":
        return help();
      case "tutorial":
        return await (await import("./tutorial")).tutorialMain(rest);
      case undefined:
        throw new UsageError("no command given");
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`torchlab: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`torchlab: ${(e as Error)?.message ?? e}\n`);
    return 1;
  }
}

function help(): number {
  process.stdout.write(USAGE);
  return 0;
}

if (require.main === module) {
  torchlabMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`torchlab: ${(e as Error)?.stack ?? e}\n`);
      process.exit(1);
    },
  );
}
