#!/usr/bin/env node
/**
 * `torchlab-kernel`: installs, lists and removes the Jupyter kernelspec of the
 * torchlab kernel, and runs the kernel.
 *
 *   torchlab-kernel install   [--user | --prefix P | --sys-prefix] [--name N]
 *                             [--display-name D] [--interrupt-mode signal|message]
 *   torchlab-kernel uninstall [--user | --prefix P | --sys-prefix] [--name N]
 *   torchlab-kernel list
 *   torchlab-kernel run <connection-file>
 *
 * Where a kernelspec goes (the same places `jupyter kernelspec install` uses):
 *   --user (default)  $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter
 *   --prefix P        P/share/jupyter
 *   --sys-prefix      <sys.prefix of Python>/share/jupyter, Python being $TORCHLAB_PYTHON or
 *                     `python3` on PATH (the Jupyter that will start the kernel)
 * and then `kernels/<name>/` under it, holding kernel.json and the logos.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";

/** The kernelspec's default name: `jupyter kernelspec list` shows it, front ends select it by it. */
export const DEFAULT_NAME = "torchlab";
export const DEFAULT_DISPLAY_NAME = "TypeScript (torchlab)";

/** The kernel's entry point, next to this file in dist/kernel/src/. */
export const MAIN_JS = path.join(__dirname, "main.js");

export type Target = { kind: "user" } | { kind: "prefix"; prefix: string } | { kind: "sys-prefix" };
export type InterruptMode = "signal" | "message";

export class UsageError extends Error {
  override name = "UsageError";
}

const USAGE = `usage: torchlab-kernel <command> [options]

commands:
  install [--user | --prefix P | --sys-prefix] [--name N] [--display-name D]
          [--interrupt-mode signal|message]
      writes the kernelspec <data dir>/kernels/<name>/kernel.json (name: ${DEFAULT_NAME})
  uninstall [--user | --prefix P | --sys-prefix] [--name N]
      removes it
  list
      prints the torchlab kernelspecs Jupyter can see
  run <connection-file>
      runs the kernel (what Jupyter does through kernel.json)

data dirs:
  --user        $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter (default)
  --prefix P    P/share/jupyter
  --sys-prefix  <Python's sys.prefix>/share/jupyter; Python: $TORCHLAB_PYTHON or python3 on PATH
`;

// ---------------------------------------------------------------- data dirs

/** Jupyter's per-user data directory, as jupyter_core computes it on Linux and macOS. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  const home = env.HOME || os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32") {
    if (env.APPDATA) return path.join(env.APPDATA, "jupyter");
    return path.join(home, ".jupyter", "data");
  }
  return path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

/** `sys.prefix` of the Python that runs Jupyter ($TORCHLAB_PYTHON, else python3). */
export function pythonSysPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const python = env.TORCHLAB_PYTHON || (process.platform === "win32" ? "python" : "python3");
  const r = spawnSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8", env });
  if (r.error || r.status !== 0 || !r.stdout.trim()) {
    const why = r.error ? r.error.message : (r.stderr || "").trim() || `exit status ${r.status}`;
    throw new UsageError(
      `--sys-prefix needs the Python that runs Jupyter to tell its sys.prefix, but \`${python}\` failed (${why}); ` +
        `set TORCHLAB_PYTHON to that Python, or use --prefix P / --user`,
    );
  }
  return r.stdout.trim();
}

/** The Jupyter data directory (the one holding `kernels/`) for a target. */
export function dataDir(target: Target, env: NodeJS.ProcessEnv = process.env): string {
  switch (target.kind) {
    case "user":
      return userDataDir(env);
    case "prefix":
      return path.join(path.resolve(target.prefix), "share", "jupyter");
    case "sys-prefix":
      return path.join(pythonSysPrefix(env), "share", "jupyter");
  }
}

/** The directories Jupyter searches for kernelspecs, highest priority first (jupyter_core's jupyter_path, without Python's user site). */
export function jupyterPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.JUPYTER_PATH) dirs.push(...env.JUPYTER_PATH.split(path.delimiter).filter((d) => d));
  dirs.push(userDataDir(env));
  if (process.platform !== "win32") dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
  return [...new Set(dirs.map((d) => path.resolve(d)))];
}

// ---------------------------------------------------------------- kernelspec

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: InterruptMode;
  metadata: Record<string, unknown>;
}

export function kernelSpec(options: { displayName?: string; interruptMode?: InterruptMode } = {}): KernelSpec {
  return {
    // The node that runs this installer: the kernel then runs on the same
    // Node version whatever PATH the front end starts it with.
    argv: [process.execPath, MAIN_JS, "{connection_file}"],
    display_name: options.displayName ?? DEFAULT_DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: options.interruptMode ?? "signal",
    metadata: { torchlab: { version: packageVersion() } },
  };
}

function packageVersion(): string {
  for (const rel of ["../../../package.json", "../../package.json"]) {
    try {
      return JSON.parse(fs.readFileSync(path.join(__dirname, rel), "utf8")).version as string;
    } catch {
      // try the next layout
    }
  }
  return "unknown";
}

/** Writes `<dataDir>/kernels/<name>/` (kernel.json, logo-32x32.png, logo-64x64.png); returns that directory. */
export function install(options: {
  target?: Target;
  name?: string;
  displayName?: string;
  interruptMode?: InterruptMode;
  env?: NodeJS.ProcessEnv;
}): string {
  const name = options.name ?? DEFAULT_NAME;
  checkName(name);
  const dir = path.join(dataDir(options.target ?? { kind: "user" }, options.env), "kernels", name);
  fs.mkdirSync(dir, { recursive: true });
  const spec = kernelSpec(options);
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  fs.writeFileSync(path.join(dir, "logo-32x32.png"), logoPng(32));
  fs.writeFileSync(path.join(dir, "logo-64x64.png"), logoPng(64));
  return dir;
}

/** Removes `<dataDir>/kernels/<name>/`; returns it, or null when there was none. */
export function uninstall(options: { target?: Target; name?: string; env?: NodeJS.ProcessEnv }): string | null {
  const name = options.name ?? DEFAULT_NAME;
  checkName(name);
  const dir = path.join(dataDir(options.target ?? { kind: "user" }, options.env), "kernels", name);
  if (!fs.existsSync(path.join(dir, "kernel.json"))) return null;
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

export interface InstalledSpec {
  name: string;
  dir: string;
  spec: KernelSpec;
  /** the spec runs this checkout's kernel */
  current: boolean;
  /** a spec of the same name earlier in the search path hides this one */
  shadowed: boolean;
}

/** The torchlab kernelspecs in Jupyter's search path (named torchlab, or running a torchlab main.js). */
export function list(env: NodeJS.ProcessEnv = process.env): InstalledSpec[] {
  const out: InstalledSpec[] = [];
  const seen = new Set<string>();
  for (const base of jupyterPath(env)) {
    const kernels = path.join(base, "kernels");
    let names: string[];
    try {
      names = fs.readdirSync(kernels).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = path.join(kernels, name);
      let spec: KernelSpec;
      try {
        spec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8"));
      } catch {
        continue;
      }
      const argv = Array.isArray(spec.argv) ? spec.argv : [];
      const ours = name === DEFAULT_NAME || /dist[\\/]kernel[\\/]src[\\/]main\.js$/.test(String(argv[1] ?? ""));
      const shadowed = seen.has(name.toLowerCase());
      seen.add(name.toLowerCase());
      if (!ours) continue;
      out.push({ name, dir, spec, current: argv[1] === MAIN_JS, shadowed });
    }
  }
  return out;
}

function checkName(name: string): void {
  // jupyter_client accepts [a-zA-Z0-9._-] (case-insensitively unique).
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new UsageError(`bad kernel name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'`);
}

// ---------------------------------------------------------------- logos

/** A PNG of the logo: a torch-orange rounded square with a white "T". */
export function logoPng(size: number): Buffer {
  const rgba = Buffer.alloc(size * size * 4);
  const r = size * 0.2;
  const inRounded = (x: number, y: number): boolean => {
    const cx = Math.min(Math.max(x, r), size - r);
    const cy = Math.min(Math.max(y, r), size - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
  const inT = (x: number, y: number): boolean => {
    const u = x / size;
    const v = y / size;
    return (v >= 0.2 && v < 0.34 && u >= 0.2 && u < 0.8) || (u >= 0.42 && u < 0.58 && v >= 0.2 && v < 0.82);
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const px = x + 0.5;
      const py = y + 0.5;
      if (!inRounded(px, py)) continue; // transparent
      const [cr, cg, cb] = inT(px, py) ? [255, 255, 255] : [0xee, 0x4c, 0x2c];
      rgba[i] = cr;
      rgba[i + 1] = cg;
      rgba[i + 2] = cb;
      rgba[i + 3] = 255;
    }
  }
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlib.deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

let crcTable: Uint32Array | undefined;
function crc32(buf: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

// ---------------------------------------------------------------- argument parsing

export interface ParsedArgs {
  command: "install" | "uninstall" | "list" | "run" | "help" | "version";
  target: Target;
  name: string;
  displayName?: string;
  interruptMode?: InterruptMode;
  connectionFile?: string;
}

export function parseArgs(args: string[]): ParsedArgs {
  if (args.length === 0) throw new UsageError("missing command");
  const [command, ...rest] = args;
  if (command === "-h" || command === "--help" || command === "help") return { command: "help", target: { kind: "user" }, name: DEFAULT_NAME };
  if (command === "-V" || command === "--version" || command === "version") return { command: "version", target: { kind: "user" }, name: DEFAULT_NAME };
  if (!["install", "uninstall", "list", "run"].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  const parsed: ParsedArgs = { command: command as ParsedArgs["command"], target: { kind: "user" }, name: DEFAULT_NAME };
  const targets: string[] = [];
  const positional: string[] = [];
  const allowed: Record<string, string[]> = {
    install: ["--user", "--prefix", "--sys-prefix", "--name", "--display-name", "--interrupt-mode"],
    uninstall: ["--user", "--prefix", "--sys-prefix", "--name"],
    list: [],
    run: [],
  };
  for (let i = 0; i < rest.length; i++) {
    let arg = rest[i];
    if (arg === "-h" || arg === "--help") return { ...parsed, command: "help" };
    if (!arg.startsWith("--") || arg === "--") {
      if (arg === "--") {
        positional.push(...rest.slice(i + 1));
        break;
      }
      positional.push(arg);
      continue;
    }
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (eq >= 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (!allowed[command].includes(arg)) throw new UsageError(`${command}: unknown option ${arg}`);
    const takesValue = ["--prefix", "--name", "--display-name", "--interrupt-mode"].includes(arg);
    if (takesValue && value === undefined) {
      value = rest[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${command}: ${arg} needs a value`);
    }
    if (!takesValue && value !== undefined) throw new UsageError(`${command}: ${arg} takes no value`);
    switch (arg) {
      case "--user":
        targets.push(arg);
        parsed.target = { kind: "user" };
        break;
      case "--sys-prefix":
        targets.push(arg);
        parsed.target = { kind: "sys-prefix" };
        break;
      case "--prefix":
        targets.push(arg);
        if (!value) throw new UsageError(`${command}: --prefix needs a directory`);
        parsed.target = { kind: "prefix", prefix: value };
        break;
      case "--name":
        checkName(value!);
        parsed.name = value!;
        break;
      case "--display-name":
        if (!value) throw new UsageError(`${command}: --display-name must not be empty`);
        parsed.displayName = value;
        break;
      case "--interrupt-mode":
        if (value !== "signal" && value !== "message") throw new UsageError(`${command}: --interrupt-mode is signal or message, not ${JSON.stringify(value)}`);
        parsed.interruptMode = value;
        break;
    }
  }
  if (targets.length > 1) throw new UsageError(`${command}: choose one of --user, --prefix P, --sys-prefix (got ${targets.join(", ")})`);
  if (command === "run") {
    if (positional.length !== 1) throw new UsageError("run: expected exactly one argument, the connection file");
    parsed.connectionFile = positional[0];
  } else if (positional.length > 0) {
    throw new UsageError(`${command}: unexpected argument ${JSON.stringify(positional[0])}`);
  }
  return parsed;
}

// ---------------------------------------------------------------- main

/** Runs the CLI; returns the exit status (or never returns, for `run`). */
export function main(args: string[] = process.argv.slice(2)): number {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`torchlab-kernel: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  try {
    switch (parsed.command) {
      case "help":
        process.stdout.write(USAGE);
        return 0;
      case "version":
        process.stdout.write(`torchlab-kernel ${packageVersion()}\n`);
        return 0;
      case "install": {
        if (!fs.existsSync(MAIN_JS)) process.stderr.write(`torchlab-kernel: warning: ${MAIN_JS} does not exist yet (build with npm run build:ts)\n`);
        const dir = install(parsed);
        process.stdout.write(`Installed kernelspec ${parsed.name} in ${dir}\n`);
        return 0;
      }
      case "uninstall": {
        const dir = uninstall(parsed);
        if (dir === null) {
          const where = path.join(dataDir(parsed.target), "kernels", parsed.name);
          process.stderr.write(`torchlab-kernel: no kernelspec ${parsed.name} at ${where}\n`);
          return 1;
        }
        process.stdout.write(`Removed kernelspec ${parsed.name} from ${dir}\n`);
        return 0;
      }
      case "list": {
        const specs = list();
        if (specs.length === 0) {
          process.stdout.write("No torchlab kernelspec installed (searched: " + jupyterPath().join(", ") + ")\n");
          return 0;
        }
        process.stdout.write("Torchlab kernelspecs:\n");
        const width = Math.max(...specs.map((s) => s.name.length));
        for (const s of specs) {
          const notes = [s.current ? "this checkout" : `runs ${s.spec.argv?.[1]}`, s.spec.interrupt_mode ? `interrupt ${s.spec.interrupt_mode}` : ""];
          if (s.shadowed) notes.push("hidden by an earlier spec of that name");
          process.stdout.write(`  ${s.name.padEnd(width)}  ${s.dir}  (${notes.filter((n) => n).join(", ")})\n`);
        }
        return 0;
      }
      case "run": {
        if (!fs.existsSync(MAIN_JS)) throw new UsageError(`${MAIN_JS} is missing; build with npm run build:ts`);
        // In this process, so that SIGINT (interrupt_mode signal) reaches the kernel itself.
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const kernel = require(MAIN_JS) as { main(argv: string[]): Promise<unknown> };
        kernel.main([parsed.connectionFile!]).catch((e: unknown) => {
          process.stderr.write(`[torchlab kernel] failed to start: ${(e as Error)?.stack ?? e}\n`);
          process.exit(1);
        });
        return -1;
      }
    }
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code === "EACCES" || (e as NodeJS.ErrnoException).code === "EPERM") {
      process.stderr.write(`torchlab-kernel: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  const status = main();
  if (status >= 0) process.exitCode = status;
}
