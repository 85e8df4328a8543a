/**
 * Loads a large CommonJS module with V8's code cache, so the kernel does not
 * compile TypeScript's 8 MB compiler from source at every start (Node 20 has
 * no module compile cache of its own; `module.enableCompileCache` is Node 22).
 *
 * The cache lives in `$TORCHLAB_CACHE_DIR`, else `$XDG_CACHE_HOME/torchlab`,
 * else `~/.cache/torchlab`, one file per module file, Node version and
 * architecture. V8 checks the data against the source and its own flags and
 * rejects what does not fit, so a stale file only costs a normal compile; it is
 * then rewritten. A module with non-ASCII characters also gets an ASCII copy
 * there (see asciiSource). Entries untouched for a week are removed when a new
 * copy is made. Every failure to read or write the cache is ignored.
 */
import { isAscii } from "node:buffer";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

interface Pending {
  script: vm.Script;
  file: string;
}
const pending: Pending[] = [];

function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TORCHLAB_CACHE_DIR) return env.TORCHLAB_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "torchlab");
}

function cacheFile(file: string, stat: fs.Stats): string {
  const key = crypto
    .createHash("sha256")
    .update([file, stat.size, stat.mtimeMs, process.version, process.arch].join("\0"))
    .digest("hex")
    .slice(0, 24);
  return path.join(cacheDir(), `${path.basename(file, ".js")}-${key}.v8cache`);
}

/**
 * The module's source as a one-byte (ASCII) string. TypeScript's 8 MB compiler has a few non-ASCII
 * characters (in comments), which make V8 decode it into a two-byte string: about 100 ms of every
 * start. With those written as \u escapes (the same text wherever JavaScript allows a non-ASCII
 * character outside a template literal's raw form) it is read with no decoding at all; the escaped
 * copy is kept beside the code cache.
 */
function asciiSource(file: string, store: string): string {
  const copy = store.replace(/\.v8cache$/, ".ascii.js");
  try {
    return fs.readFileSync(copy, "latin1");
  } catch {
    // not made yet
  }
  const bytes = fs.readFileSync(file);
  if (isAscii(bytes)) return bytes.toString("latin1");
  pruneStale(path.dirname(copy));
  const escaped = bytes.toString("utf8").replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  writeAtomically(copy, Buffer.from(escaped, "latin1"));
  return escaped;
}

/** Entries of other installs and Node versions (keys differ) that nobody has rewritten for a week. */
function pruneStale(dir: string): void {
  const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
  try {
    for (const name of fs.readdirSync(dir)) {
      if (!/\.(v8cache|ascii\.js)$/.test(name)) continue;
      const file = path.join(dir, name);
      if (fs.statSync(file).mtimeMs < weekAgo) fs.unlinkSync(file);
    }
  } catch {
    // another kernel may be pruning too
  }
}

function writeAtomically(file: string, data: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}

/**
 * `require(id)` resolved by `from`, compiled with the code cache when the
 * module is not loaded yet. Later `require`s of the same file get this instance.
 * @example const ts = requireCached("typescript", require);
 */
export function requireCached(id: string, from: NodeJS.Require): unknown {
  const file = from.resolve(id);
  const loaded = from.cache[file];
  if (loaded) return loaded.exports;
  let source: string;
  let stat: fs.Stats;
  let store: string;
  try {
    stat = fs.statSync(file);
    store = cacheFile(file, stat);
    source = asciiSource(file, store);
  } catch {
    return from(id);
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(store);
  } catch {
    cachedData = undefined;
  }
  // The constructor itself (a namespace import of node:module is not callable with esModuleInterop).
  const Ctor = require("node:module") as (new (id: string, parent: NodeJS.Module) => NodeJS.Module) & { wrap(code: string): string };
  const script = new vm.Script(Ctor.wrap(source), { filename: file, cachedData });
  const mod = new Ctor(file, module);
  mod.filename = file;
  mod.paths = (Ctor as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  from.cache[file] = mod;
  try {
    const fn = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void;
    fn.call(mod.exports, mod.exports, mod.require.bind(mod) as NodeJS.Require, mod, file, path.dirname(file));
  } catch (e) {
    delete from.cache[file];
    throw e;
  }
  mod.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected === true) pending.push({ script, file: store });
  return mod.exports;
}

/**
 * Writes the code caches that were missing or rejected. Called once the kernel
 * has compiled its first cell, so the functions that cell needed are in the
 * cache too. Writes to a temporary file and renames it (a reader never sees a
 * half-written cache).
 * @example saveCodeCaches();
 */
export function saveCodeCaches(): void {
  while (pending.length > 0) {
    const { script, file } = pending.pop() as Pending;
    writeAtomically(file, script.createCachedData());
  }
}
