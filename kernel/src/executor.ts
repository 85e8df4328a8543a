/**
 * The cell executor: compiles TypeScript cells with tslab's converter (declarations carried from cell to
 * cell in `prevDecl`, type errors as CellErrors, top-level await) and runs them in the process's main
 * context, where the runtime is loaded once and locals live in one shared `exports` object (tslab's
 * approach: the converter rewrites references to earlier cells' names into `exports.name`).
 *
 * Output routing: each cell runs inside an AsyncLocalStorage context holding its CellIO, so console
 * output, process.stdout/stderr writes, display() calls and unhandled rejections that happen after the
 * cell returned (timers, promise continuations) still reach the cell that caused them; output with no
 * cell context goes to the most recent cell.
 *
 * Line numbers: the converter's output does not keep the cell's line structure (it adds a prologue and
 * `exports.x = x;` lines), so the converter is made to emit source maps (its TypeScript fork is patched
 * to add `inlineSourceMap` to the watch program, and `sourceMap` to the ESM→CommonJS pass) and stack
 * frames are mapped back through both maps to the cell's line:column.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as fs from "node:fs";
import * as Module from "node:module";
import * as path from "node:path";
import * as util from "node:util";
import * as vm from "node:vm";
import type {
  CellError,
  CellIO,
  CompleteOutcome,
  ExecuteOutcome,
  Executor,
  InspectOutcome,
  IsCompleteOutcome,
  MimeBundle,
} from "./api";
import { plainText, toBundle } from "./bundle";
import { fastCommonJs, LineOrigin, TsApi } from "./cjs";
import { requireCached, saveCodeCaches } from "./codecache";
import { createGlobals, globalDecls, pltDecl } from "./globals";

// ---- the parts of tslab's converter used here (tslab/dist/converter.d.ts pulls in its TypeScript fork's types) ----

interface DiagnosticPos {
  offset: number;
  line: number;
  character: number;
}
interface Diagnostic {
  start: DiagnosticPos;
  end: DiagnosticPos;
  messageText: string;
  category: number;
  code: number;
  fileName?: string;
}
interface ConvertResult {
  output?: string;
  declOutput?: string;
  diagnostics: Diagnostic[];
  lastExpressionVar?: string;
  hasToplevelAwait?: boolean;
  sideOutputs?: Array<{ path: string; data: string }>;
}
interface QuickInfo {
  displayParts?: Array<{ text: string }>;
  documentation?: Array<{ text: string }>;
  tags?: Array<{ name: string; text?: Array<{ text: string }> }>;
}
interface Converter {
  convert(prevDecl: string, src: string): ConvertResult;
  inspect(prevDecl: string, src: string, position: number): QuickInfo | undefined;
  complete(prevDecl: string, src: string, position: number): {
    start: number;
    end: number;
    candidates: string[];
    original?: { entries?: Array<{ name: string; kind: string }> };
  };
  close(): void;
}
interface ConverterModule {
  createConverter(options?: { isJS?: boolean; isBrowser?: boolean }): Converter;
  isCompleteCode(src: string): { completed: boolean; indent?: string };
}

/** TypeScript's diagnostic code for "Unterminated template literal." */
const UNTERMINATED_TEMPLATE = 1160;

/** The TypeScript fork tslab compiles with (only what is used here). */
interface TsFork {
  sys: WatchSys;
  createWatchCompilerHost: (...args: unknown[]) => unknown;
  transpileModule: (input: string, options: { fileName?: string; compilerOptions?: Record<string, unknown> }) => {
    outputText: string;
    sourceMapText?: string;
  };
  createSourceFile(fileName: string, text: string, target: number, setParentNodes?: boolean): { parseDiagnostics?: unknown[] };
  ScriptTarget: { Latest: number };
}

const tslabRequire = Module.createRequire(require.resolve("tslab/dist/converter"));

type Watcher = { close(): void };
type WatchSys = Record<string, unknown> & {
  watchFile?: (...args: unknown[]) => Watcher;
  watchDirectory?: (...args: unknown[]) => Watcher;
};

/**
 * `sys` with its file and directory watchers created on a later turn of the event loop. The watch
 * program asks for them while it builds (for the places a failed module lookup might appear,
 * TypeScript walks node_modules to emulate a recursive watch: about 0.2 s of the first cell), and
 * nothing can change on disk that a cell could see before the cell's reply has gone out.
 */
function deferWatchers(sys: WatchSys): WatchSys {
  const view = Object.create(sys) as WatchSys;
  const queue: Array<() => void> = [];
  const flush = () => {
    for (const start of queue.splice(0)) start();
  };
  const defer = (method: "watchFile" | "watchDirectory") =>
    function (...args: unknown[]): Watcher {
      let watcher: Watcher | undefined;
      let closed = false;
      if (queue.length === 0) setImmediate(flush).unref();
      queue.push(() => {
        if (!closed) watcher = (sys[method] as (...a: unknown[]) => Watcher).apply(sys, args);
      });
      return {
        close: () => {
          closed = true;
          watcher?.close();
        },
      };
    };
  if (typeof sys.watchFile === "function") view.watchFile = defer("watchFile");
  if (typeof sys.watchDirectory === "function") view.watchDirectory = defer("watchDirectory");
  return view;
}

/** The last ESM→CommonJS pass of the main output: its input (which carries the first map inline) and its own map, made on demand. */
interface Transpiled {
  input: string;
  map: () => EntryFinder | undefined;
}
/** What CellMap needs of a source map (a Module.SourceMap, or fastCommonJs's line table). */
type EntryFinder = { findEntry(line: number, column: number): Partial<Module.SourceMapping> };

function lineTable(lines: Array<LineOrigin | undefined>): EntryFinder {
  return {
    findEntry: (line, column) => {
      const o = lines[line];
      if (!o) return {};
      const originalColumn = Math.max(0, column - o.shift);
      return { generatedLine: line, generatedColumn: column, originalLine: o.line, originalColumn };
    },
  };
}
let lastTranspile: Transpiled | undefined;
let capturing = false;
/** The compiler options of the converter's watch program (the executor adds `types` later). */
let watchOptions: WatchOptions | undefined;
/** kernel/types/console: `console` without @types/node (a type directive may name a folder by its path) */
const CONSOLE_TYPES = path.join(__dirname, "..", "..", "..", "kernel", "types", "console");
type WatchOptions = Record<string, unknown> & { types?: string[] };

/**
 * Loads tslab's converter so that it emits source maps (see the file comment). The fork's exports are
 * non-configurable getters, so the converter gets its own copy of the module, evaluated with a `require`
 * that hands it a view of the fork with `createWatchCompilerHost` and `transpileModule` wrapped.
 */
function loadConverter(): { conv: ConverterModule; ts: TsFork } {
  const ts = requireCached("@tslab/typescript-for-tslab", tslabRequire) as TsFork;
  const view: Record<string, unknown> = {};
  for (const key of Object.keys(ts)) {
    Object.defineProperty(view, key, { enumerable: true, configurable: true, get: () => (ts as unknown as Record<string, unknown>)[key] });
  }
  const origHost = ts.createWatchCompilerHost;
  const origTranspile = ts.transpileModule;
  const override = (name: string, value: unknown) => Object.defineProperty(view, name, { value, enumerable: true, configurable: true, writable: true });
  override("sys", deferWatchers(ts.sys));
  override("createWatchCompilerHost", function (this: unknown, ...args: unknown[]) {
    if (Array.isArray(args[0]) && args[1] && typeof args[1] === "object") {
      const given = args[1] as { types?: string[] };
      // No @types package is included at first: tslab's default takes every one under node_modules
      // (jest's, babel's...), and even @types/node alone is 2.3 MB of declarations to parse (about
      // 0.8 s). The executor adds @types/node after the first cell (Note [first cell]). Imports still
      // find their packages' types.
      watchOptions = { ...(given as WatchOptions), inlineSourceMap: true, sourceMap: false, types: given.types ?? (fs.existsSync(path.join(CONSOLE_TYPES, "index.d.ts")) ? [CONSOLE_TYPES] : []) };
      args[1] = watchOptions;
    }
    return origHost.apply(ts, args);
  });
  override("transpileModule", function (input: string, options: Parameters<TsFork["transpileModule"]>[1]) {
    // tslab's ESM→CommonJS pass (its only call with this file name)
    const esmPass = options?.fileName === "custom.js";
    const fast = esmPass ? fastCommonJs(ts as unknown as TsApi, input) : undefined;
    if (fast) {
      if (capturing) lastTranspile = { input, map: () => lineTable(fast.lines) };
      return { outputText: fast.output };
    }
    const out = origTranspile.call(ts, input, options);
    // The CommonJS pass's own source map is only needed when the cell fails: keep what it takes to
    // redo the pass with a map then (generating it for every cell cost about 10% of a trivial cell).
    if (capturing && esmPass) {
      lastTranspile = {
        input,
        map: () =>
          decodeMap(
            origTranspile.call(ts, input, { ...options, compilerOptions: { ...options.compilerOptions, sourceMap: true, inlineSourceMap: false } })
              .sourceMapText,
          ),
      };
    }
    return out;
  });
  const file = tslabRequire.resolve("tslab/dist/converter");
  let conv: ConverterModule;
  try {
    const source = fs.readFileSync(file, "utf8");
    const fn = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file }) as (
      e: unknown, r: (id: string) => unknown, m: unknown, f: string, d: string,
    ) => void;
    const mod = { exports: {} as Record<string, unknown> };
    const req = (id: string) => (id === "@tslab/typescript-for-tslab" ? view : tslabRequire(id));
    fn.call(mod.exports, mod.exports, req, mod, file, path.dirname(file));
    conv = mod.exports as unknown as ConverterModule;
  } catch {
    // Without source maps, tracebacks show the compiled code's lines.
    conv = tslabRequire("tslab/dist/converter") as ConverterModule;
  }
  return { conv, ts };
}

// ---- source maps ----

type Pos = { line: number; column: number };

function decodeMap(json: string | undefined): Module.SourceMap | undefined {
  if (!json) return undefined;
  try {
    return new Module.SourceMap(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** Maps positions in the CommonJS output (0-based) back to the cell source (0-based); decodes its maps on first use. */
class CellMap {
  private maps: { cjs: EntryFinder | undefined; esm: Module.SourceMap | undefined } | undefined;

  private constructor(
    private readonly transpile: Transpiled | undefined,
    private readonly srcLines: number,
  ) {}

  static from(transpile: Transpiled | undefined, srcLines: number): CellMap {
    return new CellMap(transpile, srcLines);
  }

  private decoded(): { cjs: EntryFinder | undefined; esm: Module.SourceMap | undefined } {
    if (this.maps) return this.maps;
    const t = this.transpile;
    if (!t) return (this.maps = { cjs: undefined, esm: undefined });
    const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(t.input);
    const esm = m ? decodeMap(Buffer.from(m[1], "base64").toString("utf8")) : undefined;
    let cjs: EntryFinder | undefined;
    try {
      cjs = esm ? t.map() : undefined;
    } catch {
      cjs = undefined;
    }
    return (this.maps = { cjs, esm });
  }

  map(p: Pos): Pos | undefined {
    const { cjs, esm } = this.decoded();
    if (!cjs || !esm) return undefined;
    const a = cjs.findEntry(p.line, p.column) as Partial<Module.SourceMapping>;
    if (a.originalLine === undefined || a.originalColumn === undefined) return undefined;
    const b = esm.findEntry(a.originalLine, a.originalColumn + Math.max(0, p.column - (a.generatedColumn ?? p.column))) as Partial<Module.SourceMapping>;
    if (b.originalLine === undefined || b.originalColumn === undefined) return undefined;
    // The converter compiles "export {};\n" + the cell.
    const line = b.originalLine - 1;
    if (line < 0 || line >= this.srcLines) return undefined;
    let column = b.originalColumn;
    if (b.generatedLine === a.originalLine && b.generatedColumn !== undefined) {
      column += Math.max(0, a.originalColumn - b.generatedColumn);
    }
    return { line, column };
  }
}

// ---- cells ----

interface CellContext {
  io: CellIO;
  payload: Array<Record<string, unknown>>;
  helpTexts: Array<string | undefined>;
  /** figures plt.show() displayed in this cell (not shown again as the cell's result) */
  shown: WeakSet<object>;
  /** the executor's own count of cells run */
  n: number;
}

interface CellRecord {
  map: CellMap;
  /** lines of the compiled output (the wrapper adds one line before and one after) */
  outputLines: number;
}

class KeyboardInterrupt extends Error {
  constructor(message = "interrupted") {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

const CELL_FILE = /torchlab-cell-(\d+)\.js:(\d+):(\d+)/g;
const BRIDGE = "__torchlab_kernel__";
/** How long the kernel must have been idle before it loads @types/node (see scheduleNodeTypes). */
const NODE_TYPES_IDLE_MS = 300;
/**
 * Names that only @types/node declares (and module names Node provides): a first cell that mentions
 * one is checked with Node's types straight away instead of failing a check without them first.
 * Only a shortcut: Note [first cell] stays right for cells it misses. Not `console`: the converter
 * has kernel/types/console from the start.
 */
const NODE_NAMES = new RegExp(
  String.raw`\b(process|require|module|exports|Buffer|global|NodeJS|__dirname|__filename|(set|clear)(Timeout|Interval|Immediate)|queueMicrotask|structuredClone|performance|fetch|URL|URLSearchParams|TextEncoder|TextDecoder|AbortController|EventTarget|Blob|atob|btoa)\b` +
    String.raw`|\bfrom\s*["'](node:|(` + Module.builtinModules.map((m) => m.replace(/[/.]/g, "\\$&")).join("|") + String.raw`)["'/])`,
);

function isErrorLike(e: unknown): e is Error {
  return util.types.isNativeError(e) || (e !== null && typeof e === "object" && typeof (e as Error).message === "string" && typeof (e as Error).stack === "string");
}

/** The documentation text of a QuickInfo, as tslab's pager shows it. */
function quickInfoText(info: QuickInfo): string {
  const out: string[] = [(info.displayParts ?? []).map((p) => p.text).join("")];
  const docs = (info.documentation ?? []).map((d) => d.text).join("");
  if (docs) out.push("", docs);
  for (const tag of info.tags ?? []) {
    const text = (tag.text ?? []).map((t) => t.text).join("");
    out.push(`@${tag.name}${text ? " " + text : ""}`);
  }
  return out.join("\n");
}

export interface TsExecutorOptions {
  /** Where cells' imports resolve first (default: process.cwd()). */
  cwd?: string;
  /** The torchlab runtime to preload as `torch` (default: dist/runtime/index.js next to this file). */
  runtimePath?: string;
  /** The plotting module to preload as `plt` (default: dist/runtime/plot/index.js; skipped when missing). */
  plotPath?: string;
}

export class TsExecutor implements Executor {
  private conv: Converter | undefined;
  private readonly convModule: ConverterModule;
  private readonly ts: TsFork;
  private prevDecl: string;
  /** whether the converter's program has @types/node yet (Note [first cell]) */
  private nodeTypes = false;
  private nodeTypesTimer: NodeJS.Timeout | undefined;
  /** plt's declaration while it waits to be added to prevDecl (see loadPltTypes) */
  private pltDecl: string | undefined;
  private watchOptions: WatchOptions | undefined;
  private cachesSaved = false;
  private readonly als = new AsyncLocalStorage<CellContext>();
  private lastCtx: CellContext | undefined;
  private cellCount = 0;
  private readonly cells = new Map<number, CellRecord>();
  private readonly locals: Record<string, unknown> = {};
  private readonly exportsProxy: Record<string, unknown>;
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, NodeJS.Module>();
  private readonly cellRequire: NodeJS.Require;
  private readonly realGlobal: typeof globalThis;
  private readonly realProcess: NodeJS.Process;
  private interruptReject: ((e: unknown) => void) | undefined;
  private hooksInstalled = false;
  private routing = false;
  private origStdoutWrite: NodeJS.WriteStream["write"] | undefined;
  private origStderrWrite: NodeJS.WriteStream["write"] | undefined;
  private readonly onUnhandledRejection = (reason: unknown) => this.reportLate("Unhandled promise rejection", reason);
  private readonly onUncaughtException = (error: unknown) => this.reportLate("Uncaught exception", error);
  private readonly onWarning = (warning: Error) => {
    const text = `${warning.name}: ${warning.message}\n`;
    const ctx = this.currentCtx();
    if (ctx) ctx.io.stream("stderr", text);
    else this.writeRaw("stderr", text);
  };
  private nodeWarningListeners: Array<(w: Error) => void> = [];
  /** The preloaded runtime (`torch`). */
  readonly torch: Record<string, unknown>;
  /** The preloaded plotting module (`plt`), when available. */
  readonly plt: Record<string, unknown> | undefined;

  constructor(options: TsExecutorOptions = {}) {
    const cwd = options.cwd ?? process.cwd();
    const loaded = loadConverter();
    this.convModule = loaded.conv;
    this.ts = loaded.ts;

    // The cells' realm is the main context (vm.runInThisContext), which differs from this module's under jest.
    this.realGlobal = vm.runInThisContext("globalThis") as typeof globalThis;
    this.realProcess = this.realGlobal.process;

    const runtimePath = options.runtimePath ?? path.join(__dirname, "../../runtime/index.js");
    const plotPath = options.plotPath ?? path.join(__dirname, "../../runtime/plot/index.js");
    this.torch = require(runtimePath) as Record<string, unknown>;
    let plt: Record<string, unknown> | undefined;
    try {
      plt = require(plotPath) as Record<string, unknown>;
    } catch {
      plt = undefined;
    }
    this.plt = plt;

    const locals = this.locals;
    this.exportsProxy = new Proxy(locals, {
      // TypeScript turns named imports into defineProperty getters; store values so names stay rewritable.
      defineProperty: (_t, prop, attrs) => {
        if (prop === "__esModule") return true;
        (locals as Record<string | symbol, unknown>)[prop] = attrs.get ? attrs.get() : attrs.value;
        return true;
      },
    });

    const globals = createGlobals({
      io: () => this.currentCtx()?.io,
      addPayload: (p) => this.currentCtx()?.payload.push(p),
      helpText: () => {
        const ctx = this.currentCtx();
        return ctx && ctx.helpTexts.length > 0 ? ctx.helpTexts.shift() : undefined;
      },
    });
    Object.assign(locals, globals, { torch: this.torch });
    if (plt) {
      locals.plt = plt;
      const setHook = plt.setDisplayHook as ((fn: (fig: unknown) => void) => void) | undefined;
      const display = globals.display as (v: unknown) => void;
      if (typeof setHook === "function") {
        setHook((fig) => {
          if (fig !== null && typeof fig === "object") this.currentCtx()?.shown.add(fig);
          display(fig);
        });
      }
    }
    this.prevDecl = globalDecls(require.resolve(runtimePath));
    this.pltDecl = plt ? pltDecl(require.resolve(plotPath)) : undefined;

    this.cellRequire = this.makeRequire(cwd);
    Object.defineProperty(this.realGlobal, BRIDGE, {
      value: { exports: this.exportsProxy, require: this.cellRequire },
      configurable: true,
      enumerable: false,
      writable: true,
    });
  }

  /**
   * Creates the converter now, with the preloaded names' declarations in its program (about 0.7 s);
   * otherwise the first cell, completion or inspection does. Types that Note [first cell] defers
   * stay deferred.
   */
  prepare(): void {
    this.converter().convert(this.prevDecl, "");
  }

  /** The cells' locals (earlier cells' variables, the preloaded names). */
  get variables(): Record<string, unknown> {
    return this.locals;
  }

  /** Writes to the process's real stdout/stderr, bypassing cell routing (for the server's own logs). */
  writeRaw(name: "stdout" | "stderr", text: string): void {
    const orig = name === "stdout" ? this.origStdoutWrite : this.origStderrWrite;
    const stream = name === "stdout" ? this.realProcess.stdout : this.realProcess.stderr;
    if (orig) orig.call(stream, text);
    else stream.write(text);
  }

  private converter(): Converter {
    if (!this.conv) {
      watchOptions = undefined;
      this.conv = this.convModule.createConverter();
      this.watchOptions = watchOptions;
    }
    return this.conv;
  }

  /**
   * Adds @types/node to the converter's program. Note [first cell]: a fresh kernel checks its first
   * cell without @types/node, which saves parsing 2.3 MB of declarations before the first reply. A
   * cell that fails that check is checked again with Node's types, so no error is reported that they
   * would have prevented; and as cells are modules, Node's globals cannot change the meaning of a
   * cell that checks without them. After the first cell the types are loaded while the kernel idles.
   * TypeScript reuses a program's type directives while no file's imports change, so the options
   * change is followed by a conversion whose only line is an import.
   */
  private loadNodeTypes(): boolean {
    this.nodeTypes = true;
    this.loadPltTypes();
    const options = this.watchOptions;
    if (!options || !this.conv) return false;
    const types = options.types ?? [];
    if (!types.includes("node")) options.types = [...types, "node"];
    try {
      this.conv.convert(this.prevDecl, 'import type {} from "node:fs";');
    } catch {
      // the next cell reports whatever is wrong
    }
    return true;
  }

  /**
   * Declares `plt` to the converter. Its types bring vega-lite's (0.5 MB of declarations, about a
   * quarter of a second to parse), so like Node's they wait for the first cell that names `plt`, a
   * failed check, or idle time (Note [first cell]); its value is there from the start. Returns
   * whether anything changed.
   */
  private loadPltTypes(): boolean {
    const decl = this.pltDecl;
    if (decl === undefined) return false;
    this.pltDecl = undefined;
    // A cell may have declared its own plt meanwhile: that one stays.
    if (!/\bplt\b/.test(this.prevDecl)) this.prevDecl = decl + this.prevDecl;
    return true;
  }

  /** Loads every declaration still deferred; returns whether there was any. */
  private loadDeferredTypes(): boolean {
    const plt = this.loadPltTypes();
    const node = !this.nodeTypes && this.loadNodeTypes();
    return plt || node;
  }

  /** Loads the declarations a cell (or a completion, an inspection) names before it is checked. */
  private loadTypesNamedIn(code: string): void {
    if (this.pltDecl !== undefined && /\bplt\b/.test(code)) this.loadPltTypes();
    if (!this.nodeTypes && this.conv && NODE_NAMES.test(code)) this.loadNodeTypes();
  }

  /**
   * Loads @types/node once the kernel has been idle for a moment: parsing it blocks the main thread
   * (about 0.8 s), and a request that comes straight after a reply (the next cell of "run all", a
   * shutdown) should not wait behind it. A cell that needs the types loads them itself.
   */
  private scheduleNodeTypes(afterCell: boolean): void {
    if (this.nodeTypes) return;
    if (this.nodeTypesTimer) {
      if (afterCell) this.nodeTypesTimer.refresh();
      return;
    }
    this.nodeTypesTimer = setTimeout(() => {
      this.nodeTypesTimer = undefined;
      if (!this.nodeTypes && this.conv) this.loadNodeTypes();
    }, NODE_TYPES_IDLE_MS).unref();
  }

  private currentCtx(): CellContext | undefined {
    return this.als.getStore() ?? this.lastCtx;
  }

  private makeRequire(cwd: string): NodeJS.Require {
    const fromCwd = Module.createRequire(path.join(cwd, "__torchlab_cell__.js"));
    const fromPkg = Module.createRequire(__filename);
    const special = (id: string): unknown => {
      if (id === "torchlab") return this.torch;
      if (id === "torchlab/plot" && this.plt) return this.plt;
      return undefined;
    };
    const requireSide = (id: string, dir: string, self: (id: string) => unknown): unknown => {
      if (!id.startsWith(".") && !path.isAbsolute(id)) return undefined;
      let file = path.resolve(dir, id);
      if (path.extname(file) === "") file += ".js";
      const cached = this.sideModules.get(file);
      if (cached) return cached.exports;
      const code = this.sideOutputs.get(file);
      if (code === undefined) return undefined;
      const ModuleCtor = require("node:module") as new (id: string, parent?: unknown) => NodeJS.Module & {
        _compile(code: string, filename: string): void;
        paths: string[];
      };
      const mod = new ModuleCtor(file, module);
      mod.filename = file;
      mod.paths = (ModuleCtor as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(file));
      const inner = Object.assign((x: string) => special(x) ?? requireSide(x, path.dirname(file), self) ?? self(x), mod.require);
      mod.require = inner as NodeJS.Require;
      this.sideModules.set(file, mod);
      mod._compile(code, file);
      return mod.exports;
    };
    const base = (id: string): unknown => {
      try {
        return fromCwd(id);
      } catch (e) {
        if ((e as { code?: string }).code === "MODULE_NOT_FOUND" && !id.startsWith(".") && !path.isAbsolute(id)) {
          try {
            return fromPkg(id);
          } catch {
            throw e;
          }
        }
        throw e;
      }
    };
    const req = (id: string): unknown => special(id) ?? requireSide(id, cwd, base) ?? base(id);
    return Object.assign(req, {
      resolve: fromCwd.resolve,
      cache: fromCwd.cache,
      main: fromCwd.main,
      extensions: fromCwd.extensions,
    }) as NodeJS.Require;
  }

  // ---- output routing ----

  private route(name: "stdout" | "stderr", chunk: unknown, encoding?: unknown): boolean {
    const text =
      typeof chunk === "string"
        ? chunk
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
          : String(chunk);
    const ctx = this.currentCtx();
    if (!ctx || this.routing) {
      this.writeRaw(name, text);
      return true;
    }
    this.routing = true;
    try {
      ctx.io.stream(name, text);
    } finally {
      this.routing = false;
    }
    return true;
  }

  private installHooks(): void {
    if (this.hooksInstalled) return;
    this.hooksInstalled = true;
    const proc = this.realProcess;
    this.origStdoutWrite = proc.stdout.write;
    this.origStderrWrite = proc.stderr.write;
    const patch = (name: "stdout" | "stderr") =>
      function (chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
        const callback = typeof encoding === "function" ? encoding : cb;
        const ok = self.route(name, chunk, encoding);
        if (typeof callback === "function") process.nextTick(callback as () => void);
        return ok;
      };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    proc.stdout.write = patch("stdout") as NodeJS.WriteStream["write"];
    proc.stderr.write = patch("stderr") as NodeJS.WriteStream["write"];
    proc.on("unhandledRejection", this.onUnhandledRejection);
    proc.on("uncaughtException", this.onUncaughtException);
    // Node's own listener prints "(node:PID) UserWarning: ..." to the real stderr; a notebook shows
    // the warning in the cell that caused it, as Python's do, without the process id.
    this.nodeWarningListeners = proc.listeners("warning") as Array<(w: Error) => void>;
    for (const l of this.nodeWarningListeners) proc.off("warning", l);
    proc.on("warning", this.onWarning);
  }

  private uninstallHooks(): void {
    if (!this.hooksInstalled) return;
    this.hooksInstalled = false;
    const proc = this.realProcess;
    if (this.origStdoutWrite) proc.stdout.write = this.origStdoutWrite;
    if (this.origStderrWrite) proc.stderr.write = this.origStderrWrite;
    proc.off("unhandledRejection", this.onUnhandledRejection);
    proc.off("uncaughtException", this.onUncaughtException);
    proc.off("warning", this.onWarning);
    for (const l of this.nodeWarningListeners) proc.on("warning", l);
    this.nodeWarningListeners = [];
  }

  /** An unhandled rejection or uncaught exception after its cell returned: an error stream to that cell. */
  private reportLate(kind: string, reason: unknown): void {
    const ctx = this.currentCtx();
    const err = this.toCellError(reason, ctx?.n ?? -1);
    const text = `${kind}: ${err.traceback.join("\n")}\n`;
    if (ctx) {
      try {
        ctx.io.stream("stderr", text);
        return;
      } catch {
        // fall through to the real stderr
      }
    }
    this.writeRaw("stderr", text);
  }

  // ---- errors ----

  private mapStack(stack: string, current: number): string[] {
    let lines = stack.split("\n");
    let lastCell = -1;
    lines.forEach((l, i) => {
      if (/^\s+at /.test(l) && /torchlab-cell-\d+\.js:/.test(l)) lastCell = i;
    });
    // Frames below the outermost cell frame are the executor's and its caller's.
    if (lastCell >= 0) lines = lines.slice(0, lastCell + 1);
    const out: string[] = [];
    let sawFrame = false;
    for (const line of lines) {
      const isFrame = /^\s+at /.test(line);
      if (!isFrame) {
        if (!sawFrame) out.push(line);
        continue;
      }
      sawFrame = true;
      if (line.includes(__filename) || /\(node:|at node:/.test(line) || line.includes("node:internal") || line.includes("node:vm")) continue;
      let drop = false;
      const mapped = line.replace(CELL_FILE, (_m, n: string, l: string, c: string) => {
        const cell = this.cells.get(Number(n));
        // The wrapper's first line is the function header; its last line calls it.
        const line = Number(l) - 2;
        const pos = cell && line >= 0 && line < cell.outputLines ? cell.map.map({ line, column: Number(c) - 1 }) : undefined;
        if (!pos) {
          drop = true;
          return _m;
        }
        const name = Number(n) === current ? "cell" : `cell[${n}]`;
        return `${name}:${pos.line + 1}:${pos.column + 1}`;
      });
      if (drop) continue;
      // Functions of earlier cells are called as methods of the locals object (a Proxy).
      out.push(mapped === line ? line : mapped.replace(/at (async )?Proxy\./, "at $1"));
    }
    return out;
  }

  private toCellError(e: unknown, current: number): CellError {
    if (e instanceof KeyboardInterrupt) {
      return { ename: "KeyboardInterrupt", evalue: e.message, traceback: [`KeyboardInterrupt: ${e.message}`] };
    }
    if (isErrorLike(e)) {
      if ((e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
        return { ename: "KeyboardInterrupt", evalue: "interrupted", traceback: ["KeyboardInterrupt: interrupted"] };
      }
      const ename = typeof e.name === "string" && e.name ? e.name : "Error";
      const evalue = e.message;
      let traceback: string[];
      try {
        traceback = this.mapStack(String(e.stack ?? `${ename}: ${evalue}`), current);
      } catch {
        traceback = [`${ename}: ${evalue}`];
      }
      if (traceback.length === 0) traceback = [`${ename}: ${evalue}`];
      return { ename, evalue, traceback };
    }
    const text = typeof e === "string" ? e : plainText(e);
    return { ename: "Uncaught", evalue: text, traceback: [`Uncaught ${text}`] };
  }

  private diagnosticsError(code: string, diags: Diagnostic[]): CellError {
    const srcLines = code.split("\n");
    const traceback: string[] = [];
    for (const d of diags) {
      const where = d.fileName ? `${d.fileName}:` : "cell:";
      const severity = d.category === 0 ? "warning" : "error";
      traceback.push(`${where}${d.start.line + 1}:${d.start.character + 1} - ${severity} TS${d.code}: ${d.messageText}`);
      if (!d.fileName && d.start.line < srcLines.length) {
        const src = srcLines[d.start.line];
        const width = d.end.line === d.start.line ? Math.max(1, d.end.character - d.start.character) : Math.max(1, src.length - d.start.character);
        traceback.push(`  ${src}`, `  ${" ".repeat(d.start.character)}${"~".repeat(width)}`);
      }
    }
    const first = diags[0];
    return {
      ename: "TypeScriptError",
      evalue: `${first.fileName ? first.fileName + ":" : "cell:"}${first.start.line + 1}:${first.start.character + 1} - ${first.messageText}`,
      traceback,
    };
  }

  // ---- help(x) ----

  /** The QuickInfo texts of the arguments of `help(...)` calls in a cell, in source order. */
  private helpTexts(code: string): Array<string | undefined> {
    const texts: Array<string | undefined> = [];
    const re = /\bhelp\s*\(/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(code))) {
      // The argument runs to the matching parenthesis; inspect its last identifier.
      let depth = 1;
      let i = m.index + m[0].length;
      for (; i < code.length && depth > 0; i++) {
        if (code[i] === "(") depth++;
        else if (code[i] === ")") depth--;
      }
      let end = i - 1;
      while (end > 0 && /\s/.test(code[end - 1])) end--;
      const arg = code.slice(m.index + m[0].length, end);
      if (!/^[\w$.\s]+$/.test(arg)) {
        texts.push(undefined);
        continue;
      }
      try {
        const info = this.converter().inspect(this.prevDecl, code, end - 1);
        texts.push(info ? quickInfoText(info) : undefined);
      } catch {
        texts.push(undefined);
      }
    }
    return texts;
  }

  // ---- Executor ----

  async execute(code: string, io: CellIO): Promise<ExecuteOutcome> {
    const n = ++this.cellCount;
    const ctx: CellContext = { io, payload: [], helpTexts: [], shown: new WeakSet(), n };
    this.lastCtx = ctx;
    this.installHooks();
    const withPayload = (o: ExecuteOutcome): ExecuteOutcome => (ctx.payload.length > 0 ? { ...o, payload: ctx.payload } : o);

    let converted: ConvertResult;
    capturing = true;
    lastTranspile = undefined;
    try {
      this.loadTypesNamedIn(code);
      converted = this.converter().convert(this.prevDecl, code);
      if (converted.diagnostics.length > 0 && this.loadDeferredTypes()) {
        // An error counts only when the cell sees every type it will see from now on.
        converted = this.converter().convert(this.prevDecl, code);
      }
    } catch (e) {
      return { status: "error", error: this.toCellError(e, n) };
    } finally {
      capturing = false;
    }
    const transpile = lastTranspile;
    this.scheduleNodeTypes(true);
    if (!this.cachesSaved) {
      // After the reply: TypeScript's functions the first cell compiled are in the cache then.
      this.cachesSaved = true;
      setImmediate(saveCodeCaches);
    }
    if (converted.sideOutputs) {
      for (const out of converted.sideOutputs) {
        this.sideModules.delete(out.path);
        this.sideOutputs.set(out.path, out.data);
      }
    }
    if (converted.diagnostics.length > 0) {
      return { status: "error", error: this.diagnosticsError(code, converted.diagnostics) };
    }
    const declOutput = converted.declOutput ?? "";
    if (!converted.output || !converted.output.trim()) {
      this.prevDecl = declOutput;
      return { status: "ok" };
    }
    if (/\bhelp\s*\(/.test(code)) ctx.helpTexts = this.helpTexts(code);

    const output = converted.output.replace(/\n\/\/# sourceMappingURL=.*\s*$/g, "\n").replace(/\/\/# sourceMappingURL=\S*\s*$/, "");
    this.cells.set(n, { map: CellMap.from(transpile, code.split("\n").length), outputLines: output.split("\n").length });
    const wrapped =
      `(${converted.hasToplevelAwait ? "async " : ""}function (exports, require) {\n` +
      output +
      `\n}).call(undefined, ${BRIDGE}.exports, ${BRIDGE}.require)`;

    // The cell's declarations count from here, even when it fails at run time (its assignments up to the
    // failure are in the locals, as in Python).
    this.prevDecl = declOutput;
    let ret: unknown;
    try {
      const script = new vm.Script(wrapped, { filename: `torchlab-cell-${n}.js` });
      ret = this.als.run(ctx, () => script.runInThisContext({ breakOnSigint: true, displayErrors: false }));
    } catch (e) {
      return withPayload({ status: "error", error: this.toCellError(e, n) });
    }
    if (converted.hasToplevelAwait) {
      const interrupted = new Promise<never>((_, reject) => {
        this.interruptReject = reject;
      });
      try {
        await Promise.race([ret, interrupted]);
      } catch (e) {
        return withPayload({ status: "error", error: this.toCellError(e, n) });
      } finally {
        this.interruptReject = undefined;
      }
    }
    const lastVar = converted.lastExpressionVar;
    if (lastVar && Object.prototype.hasOwnProperty.call(this.locals, lastVar)) {
      const value = this.locals[lastVar];
      delete this.locals[lastVar];
      if (value !== undefined && !(value !== null && typeof value === "object" && ctx.shown.has(value))) {
        let result: MimeBundle;
        try {
          result = this.als.run(ctx, () => toBundle(value));
        } catch (e) {
          result = { "text/plain": `<display failed: ${this.toCellError(e, n).evalue}>` };
        }
        return withPayload({ status: "ok", result });
      }
    }
    return withPayload({ status: "ok" });
  }

  interrupt(): void {
    const reject = this.interruptReject;
    if (reject) {
      this.interruptReject = undefined;
      reject(new KeyboardInterrupt());
    }
  }

  /** Completions at `cursorPos` (a UTF-16 index: the server converts Jupyter's code points). */
  complete(code: string, cursorPos: number): CompleteOutcome {
    const pos = Math.max(0, Math.min(code.length, cursorPos));
    try {
      this.loadTypesNamedIn(code);
      const info = this.converter().complete(this.prevDecl, code, pos);
      const kinds = new Map((info.original?.entries ?? []).map((e) => [e.name, e.kind]));
      const start = info.start;
      const end = info.end;
      this.scheduleNodeTypes(false);
      return {
        matches: info.candidates,
        cursor_start: start,
        cursor_end: end,
        metadata: {
          _jupyter_types_experimental: info.candidates.map((c) => ({ text: c, type: kinds.get(c) ?? "", start, end })),
        },
      };
    } catch {
      return { matches: [], cursor_start: cursorPos, cursor_end: cursorPos, metadata: {} };
    }
  }

  /** The signature and TSDoc of the name at `cursorPos` (a UTF-16 index). */
  inspect(code: string, cursorPos: number, _detailLevel: number): InspectOutcome {
    const pos = Math.max(0, Math.min(code.length, cursorPos));
    try {
      const conv = this.converter();
      this.loadTypesNamedIn(code);
      let info = conv.inspect(this.prevDecl, code, pos);
      if (!info && pos > 0) info = conv.inspect(this.prevDecl, code, pos - 1);
      this.scheduleNodeTypes(false);
      if (!info) return { found: false, data: {}, metadata: {} };
      return { found: true, data: { "text/plain": quickInfoText(info) }, metadata: {} };
    } catch {
      return { found: false, data: {}, metadata: {} };
    }
  }

  isComplete(code: string): IsCompleteOutcome {
    try {
      const res = this.convModule.isCompleteCode(code);
      if (!res.completed) return { status: "incomplete", indent: res.indent ?? "" };
      const sf = this.ts.createSourceFile("cell.ts", code, this.ts.ScriptTarget.Latest, false);
      const diags = (sf.parseDiagnostics ?? []) as Array<{ start?: number; code?: number }>;
      if (diags.length === 0) return { status: "complete" };
      // A parse error at the very end of the input (an unterminated template literal, a
      // missing closing token) means the user is still typing: incomplete, not invalid.
      const end = code.trimEnd().length;
      const atEnd = diags.every((d) => d.code === UNTERMINATED_TEMPLATE || (d.start !== undefined && d.start >= end));
      return atEnd ? { status: "incomplete", indent: "" } : { status: "invalid" };
    } catch {
      return { status: "unknown" };
    }
  }

  close(): void {
    this.interrupt();
    if (this.nodeTypesTimer) clearTimeout(this.nodeTypesTimer);
    this.uninstallHooks();
    if (this.conv) {
      this.conv.close();
      this.conv = undefined;
    }
    if (this.plt && typeof this.plt.setDisplayHook === "function") (this.plt.setDisplayHook as (f: undefined) => void)(undefined);
  }
}
