// The cell executor (kernel/src/executor.ts) without zeromq: TsExecutor driven directly with a
// recording CellIO. It runs the built executor (dist/kernel/src), as the kernel does; the tests that
// need a real Node process (SIGINT, require of ESM packages, late uncaught errors) run in a child.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { CellIO, MimeBundle } from "../kernel/src/api";

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist/kernel/src/executor.js");

// Build dist/kernel when it is missing or older than its sources.
function ensureBuilt(): void {
  const srcDir = path.join(root, "kernel/src");
  const newest = Math.max(...fs.readdirSync(srcDir).filter((f) => f.endsWith(".ts")).map((f) => fs.statSync(path.join(srcDir, f)).mtimeMs));
  const built = ["executor.js", "globals.js", "bundle.js"].map((f) => path.join(root, "dist/kernel/src", f));
  if (built.every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= newest)) return;
  try {
    execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", root], { stdio: "pipe" });
  } catch {
    /* type errors in other files still emit */
  }
}

interface Recorded {
  streams: Array<{ name: string; text: string }>;
  displays: Array<{ data: MimeBundle; transient: { display_id?: string }; update: boolean }>;
  clears: boolean[];
  prompts: Array<{ prompt: string; password: boolean }>;
  stdout(): string;
  stderr(): string;
}

function recorder(reply = "42"): CellIO & Recorded {
  const r = {
    streams: [] as Recorded["streams"],
    displays: [] as Recorded["displays"],
    clears: [] as boolean[],
    prompts: [] as Recorded["prompts"],
    stream(name: "stdout" | "stderr", text: string) {
      r.streams.push({ name, text });
    },
    display(data: MimeBundle, _metadata: Record<string, unknown>, transient: { display_id?: string }, update: boolean) {
      r.displays.push({ data, transient, update });
    },
    clearOutput(wait: boolean) {
      r.clears.push(wait);
    },
    input(prompt: string, password: boolean) {
      r.prompts.push({ prompt, password });
      return Promise.resolve(reply);
    },
    stdout: () => r.streams.filter((s) => s.name === "stdout").map((s) => s.text).join(""),
    stderr: () => r.streams.filter((s) => s.name === "stderr").map((s) => s.text).join(""),
  };
  return r;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * Runs `body` (JavaScript, inside an async function with `TsExecutor` and an empty `res` in scope)
 * in a child process, and returns `res` as the child left it: for what needs a fresh process.
 */
function inChild(body: string): Record<string, unknown> {
  ensureBuilt();
  const script = `
    const { TsExecutor } = require(${JSON.stringify(dist)});
    (async () => {
      const res = {};
      ${body}
      process.stdout.write(JSON.stringify(res));
      process.exit(0);
    })();`;
  const child = spawnSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 90_000 });
  expect(child.stderr).toBe("");
  return JSON.parse(child.stdout) as Record<string, unknown>;
}

type Exec = import("../kernel/src/executor").TsExecutor;
let ex: Exec;

beforeAll(() => {
  ensureBuilt();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TsExecutor } = require(dist) as typeof import("../kernel/src/executor");
  ex = new TsExecutor();
  ex.prepare();
}, 120_000);

afterAll(() => ex?.close());

async function run(code: string, io = recorder()) {
  const outcome = await ex.execute(code, io);
  return { outcome, io };
}

describe("TsExecutor: running cells", () => {
  it("carries declarations across cells and shows the last expression", async () => {
    expect((await run("const a: number = 40;\nlet b = a + 1;")).outcome).toEqual({ status: "ok" });
    const { outcome } = await run("b + 1");
    expect(outcome.status).toBe("ok");
    expect(outcome.result).toEqual({ "text/plain": "42" });
    // functions and types too
    await run("interface P { x: number }\nfunction norm(p: P): number { return Math.abs(p.x); }");
    expect((await run("norm({ x: -3 })")).outcome.result).toEqual({ "text/plain": "3" });
  });

  it("lets cells name torch's and plt's types", async () => {
    expect((await run("let tt: torch.Tensor = torch.ones([2]);\nfunction inc(t: torch.Tensor): torch.Tensor { return t.add(1); }")).outcome).toEqual({ status: "ok" });
    expect((await run("inc(tt)")).outcome.result?.["text/plain"]).toBe("tensor([2., 2.])");
    expect((await run("const noFig: plt.Figure | undefined = undefined;\nnoFig")).outcome).toEqual({ status: "ok" });
  });

  it("lets a re-run cell redefine a const", async () => {
    await run("const c = 1;");
    await run("const c = 'two';");
    expect((await run("c")).outcome.result).toEqual({ "text/plain": "'two'" });
  });

  it("shows strings, objects and no result for undefined", async () => {
    expect((await run("'hi'")).outcome.result).toEqual({ "text/plain": "'hi'" });
    expect((await run("({ a: 1, b: [1, 2] })")).outcome.result).toEqual({ "text/plain": "{ a: 1, b: [ 1, 2 ] }" });
    expect((await run("undefined")).outcome).toEqual({ status: "ok" });
    expect((await run("let u = 3;")).outcome.result).toBeUndefined();
  });

  it("shows a Tensor as text/plain plus an HTML table", async () => {
    const { outcome } = await run("torch.tensor([[1, 2], [3, 4]])");
    const r = outcome.result!;
    expect(r["text/plain"]).toContain("tensor([[1");
    const html = r["text/html"] as string;
    expect(html).toContain("<table");
    expect(html).toContain("shape [2, 2]");
    expect(html).toContain("<td>4</td>");
    // large tensors show head and tail only
    const big = (await run("torch.zeros([100, 3])")).outcome.result!["text/html"] as string;
    expect((big.match(/<tr>/g) ?? []).length).toBe(21);
    // higher ranks: text only
    expect((await run("torch.zeros([2, 2, 2])")).outcome.result!["text/html"]).toBeUndefined();
  });

  it("uses [Symbol.for('Jupyter.display')]() bundles", async () => {
    const { outcome } = await run(`({ [Symbol.for("Jupyter.display")]() { return { "text/markdown": "**b**" }; } })`);
    expect(outcome.result!["text/markdown"]).toBe("**b**");
    expect(outcome.result!["text/plain"]).toBeDefined();
  });

  it("runs top-level await", async () => {
    const { outcome } = await run("const w = await new Promise<number>((r) => setTimeout(() => r(7), 10));\nw * 6");
    expect(outcome.result).toEqual({ "text/plain": "42" });
    expect((await run("w")).outcome.result).toEqual({ "text/plain": "7" });
  });

  it("resolves packages and node builtins", async () => {
    const { outcome } = await run('import * as p from "path";\np.basename("/a/b.txt")');
    expect(outcome.result).toEqual({ "text/plain": "'b.txt'" });
  });
});

describe("TsExecutor: output", () => {
  it("turns console output and process writes into streams", async () => {
    const { io } = await run('console.log("out", 1);\nconsole.error("err");\nprocess.stdout.write("raw\\n");');
    expect(io.stdout()).toBe("out 1\nraw\n");
    expect(io.stderr()).toBe("err\n");
  });

  it("shows process warnings in their cell, without Node's process id", async () => {
    const { io } = await run('process.emitWarning("careful", "UserWarning");\ntorch.ones([1], { requiresGrad: true }).mul(2).grad');
    await sleep(50);
    expect(io.stderr()).toMatch(/^UserWarning: careful\nUserWarning: The \.grad attribute of a Tensor that is not a leaf/);
    expect(io.stderr()).not.toContain("(node:");
  });

  it("routes output after return to the cell that caused it", async () => {
    const a = recorder();
    await ex.execute('setTimeout(() => console.log("late A"), 100);\nPromise.resolve().then(() => setTimeout(() => console.error("later A"), 150));', a);
    const b = recorder();
    await ex.execute('console.log("B");', b);
    await sleep(400);
    expect(a.stdout()).toBe("late A\n");
    expect(a.stderr()).toBe("later A\n");
    expect(b.stdout()).toBe("B\n");
    expect(b.stderr()).toBe("");
  });

  it("display, display updates and clearOutput", async () => {
    const { io, outcome } = await run(
      'display.html("<b>x</b>", { displayId: "d1" });\ndisplay(torch.ones([2]), { displayId: "d1", update: true });\ndisplay.markdown("# m");\nclearOutput({ wait: true });',
    );
    expect(outcome).toEqual({ status: "ok" });
    expect(io.displays[0]).toEqual({ data: { "text/html": "<b>x</b>", "text/plain": "<HTML>" }, transient: { display_id: "d1" }, update: false });
    expect(io.displays[1].update).toBe(true);
    expect(io.displays[1].transient).toEqual({ display_id: "d1" });
    expect(io.displays[1].data["text/html"]).toContain("<table");
    expect(io.displays[2].data["text/markdown"]).toBe("# m");
    expect(io.clears).toEqual([true]);
  });

  it("prompt/input go through io.input", async () => {
    const io = recorder("Ada");
    const { outcome } = await run('const name = await input("name? ");\n"hello " + name', io);
    expect(outcome.result).toEqual({ "text/plain": "'hello Ada'" });
    expect(io.prompts).toEqual([{ prompt: "name? ", password: false }]);
    await run('await prompt("pw", { password: true })', io);
    expect(io.prompts[1]).toEqual({ prompt: "pw", password: true });
  });

  it("help(x) puts the signature and TSDoc into a pager payload", async () => {
    const { outcome } = await run("help(torch.zeros)");
    expect(outcome.status).toBe("ok");
    const page = outcome.payload![0] as { source: string; data: Record<string, string> };
    expect(page.source).toBe("page");
    expect(page.data["text/plain"]).toContain("function zeros(");
    expect(page.data["text/plain"]).toContain("Zeros of the given size");
  });

  it("plt.show() displays a Vega-Lite chart once", async () => {
    const { io, outcome } = await run("plt.plot([1, 2, 3], [4, 5, 6]);\nplt.show()");
    expect(outcome.status).toBe("ok");
    expect(outcome.result).toBeUndefined();
    expect(io.displays).toHaveLength(1);
    const spec = io.displays[0].data["application/vnd.vegalite.v5+json"] as { $schema: string };
    expect(spec.$schema).toContain("v5");
  });
});

describe("TsExecutor: errors", () => {
  it("reports type errors with the cell's line:column", async () => {
    const { outcome } = await run("const ok = 1;\nlet s: string = ok;");
    expect(outcome.status).toBe("error");
    expect(outcome.error!.ename).toBe("TypeScriptError");
    expect(outcome.error!.evalue).toContain("not assignable to type 'string'");
    expect(outcome.error!.traceback[0]).toMatch(/^cell:2:5 - error TS2322: /);
    // a failed compile declares nothing
    expect((await run("ok")).outcome.error!.evalue).toContain("Cannot find name 'ok'");
  });

  it("maps runtime errors to the cell's lines", async () => {
    const { outcome } = await run("function boom(n: number): never {\n  const m = n * 2;\n  throw new RangeError('bad ' + m);\n}\n\nboom(3);");
    expect(outcome.status).toBe("error");
    expect(outcome.error!.ename).toBe("RangeError");
    expect(outcome.error!.evalue).toBe("bad 6");
    const tb = outcome.error!.traceback;
    expect(tb[0]).toBe("RangeError: bad 6");
    expect(tb.join("\n")).toContain("at boom (cell:3:9)");
    expect(tb.join("\n")).toContain("cell:6:1");
    expect(tb.join("\n")).not.toMatch(/executor\.js|torchlab-cell-/);
    // a function from an earlier cell names that cell
    const later = (await run("\nboom(1)")).outcome.error!.traceback.join("\n");
    expect(later).toMatch(/at boom \(cell\[\d+\]:3:9\)/);
    expect(later).toContain("cell:2:1");
  });

  it("reports thrown non-Error values", async () => {
    const { outcome } = await run("throw 42;");
    expect(outcome.status).toBe("error");
    expect(outcome.error!.evalue).toBe("42");
    expect(outcome.error!.traceback.join("\n")).toContain("42");
  });

  it("reports rejected top-level awaits", async () => {
    const { outcome } = await run("\nawait Promise.reject(new TypeError('nope'));");
    expect(outcome.error!.ename).toBe("TypeError");
    expect(outcome.error!.evalue).toBe("nope");
    expect(outcome.error!.traceback.join("\n")).toContain("cell:2:");
  });

  it("keeps variables assigned before a runtime error", async () => {
    await run("const before = 5;\nthrow new Error('x');");
    expect((await run("before")).outcome.result).toEqual({ "text/plain": "5" });
  });

  it("interrupts a never-settling await within a second", async () => {
    await run("const kept = 'still here';");
    const t0 = Date.now();
    const pending = ex.execute("await new Promise(() => {});", recorder());
    setTimeout(() => ex.interrupt(), 100);
    const outcome = await pending;
    expect(outcome.status).toBe("error");
    expect(outcome.error!.ename).toBe("KeyboardInterrupt");
    expect(Date.now() - t0).toBeLessThan(1000 + 500 /* compile */);
    expect((await run("kept")).outcome.result).toEqual({ "text/plain": "'still here'" });
  });
});

describe("TsExecutor: completion, inspection, is_complete", () => {
  it("completes torch members with the right range", () => {
    const code = "const q = 1;\ntorch.ze";
    const r = ex.complete(code, code.length);
    expect(r.matches).toContain("zeros");
    expect(r.matches[0]).toBe("zeros");
    expect(r.cursor_start).toBe(code.length - 2);
    expect(r.cursor_end).toBe(code.length);
  });

  it("completes locals from earlier cells", async () => {
    await run("const myLongVariable = 3;");
    const r = ex.complete("myLong", 6);
    expect(r.matches).toContain("myLongVariable");
    expect([r.cursor_start, r.cursor_end]).toEqual([0, 6]);
  });

  it("inspects torch.zeros", () => {
    for (const pos of [8, 11]) {
      const r = ex.inspect("torch.zeros", pos, 0);
      expect(r.found).toBe(true);
      expect(r.data["text/plain"]).toContain("function zeros(");
      expect(r.data["text/plain"]).toContain("Zeros of the given size");
    }
    expect(ex.inspect("   ", 1, 0).found).toBe(false);
  });

  it("isComplete: complete, incomplete with indent, invalid", () => {
    expect(ex.isComplete("let a = 1")).toEqual({ status: "complete" });
    expect(ex.isComplete("function f() {")).toEqual({ status: "incomplete", indent: "  " });
    expect(ex.isComplete("x = )")).toEqual({ status: "invalid" });
  });
});

describe("TsExecutor in a child process", () => {
  it("SIGINT stops while(true){}, late errors reach their cell, ESM packages import", () => {
    const res = inChild(`
      const { spawn } = require("child_process");
      const ex = new TsExecutor();
      const rec = () => { const r = { out: "", err: "" }; r.io = { stream: (n, t) => { r[n === "stdout" ? "out" : "err"] += t; }, display() {}, clearOutput() {}, input: async () => "" }; return r; };
      process.on("SIGINT", () => ex.interrupt());
        await ex.execute("let keep = 41;", rec().io);
        const a = rec();
        await ex.execute("setTimeout(() => { throw new Error('late throw'); }, 50);\\nsetTimeout(() => Promise.reject(new Error('late reject')), 60);", a.io);
        const b = rec();
        await ex.execute("1", b.io);
        await new Promise((r) => setTimeout(r, 300));
        res.lateA = a.err; res.lateB = b.err;
        const v = await ex.execute('import * as vl from "vega-lite";\\nvl.version', rec().io);
        res.vl = v.result && v.result["text/plain"];
        spawn("sh", ["-c", "sleep 1; kill -INT " + process.pid], { stdio: "ignore" });
        const t0 = Date.now();
        const loop = await ex.execute("while (true) {}", rec().io);
        res.loop = loop.error && loop.error.ename;
        res.loopMs = Date.now() - t0;
        const after = await ex.execute("keep + 1", rec().io);
        res.after = after.result && after.result["text/plain"];
        ex.close();`);
    expect(res.lateA).toContain("late throw");
    expect(res.lateA).toContain("late reject");
    expect(res.lateB).toBe("");
    expect(res.vl).toMatch(/^'\d+\.\d+\.\d+'$/);
    expect(res.loop).toBe("KeyboardInterrupt");
    expect(res.loopMs).toBeLessThan(5000);
    expect(res.after).toBe("42");
  }, 120_000);
});

// Note [first cell] in kernel/src/executor.ts: a fresh kernel checks its first cell before @types/node
// is loaded. Each case needs a fresh executor, so they run in a child process.
describe("TsExecutor: the first cell, before @types/node is loaded", () => {
  it("reports the same errors and results as with Node's types, and loads them while idle", () => {
    const res = inChild(`
        const io = { stream() {}, display() {}, clearOutput() {}, input: async () => "" };
        const show = (o) => o.status === "ok" ? (o.result ? o.result["text/plain"] : "") : "error " + o.error.evalue;
        let ex = new TsExecutor();
        // Error.captureStackTrace is declared by @types/node only, and is not one of the names that
        // load Node's types before the check: the check without them fails, the one with them passes.
        res.nodeOnly = show(await ex.execute("const e: { stack?: string } = {};\\nError.captureStackTrace(e);\\ntypeof e.stack", io));
        res.nodeOnlyThen = show(await ex.execute("const b: Buffer = Buffer.from('abc');\\nb.length", io));
        ex.close();

        ex = new TsExecutor();
        res.typeError = show(await ex.execute("const s: string = 1;", io));
        ex.close();

        ex = new TsExecutor();
        res.plain = show(await ex.execute("const t = torch.ones([2, 3]);\\nt.sum().item()", io));
        const before = ex.complete("Error.captureSta", 16).matches;
        // the executor loads @types/node after 300 ms of idleness
        await new Promise((r) => setTimeout(r, 400));
        const t0 = Date.now();
        while (Date.now() - t0 < 10000 && !ex.complete("Error.captureSta", 16).matches.includes("captureStackTrace")) await new Promise((r) => setTimeout(r, 100));
        res.completedBefore = before.includes("captureStackTrace");
        res.completedAfter = Date.now() - t0 < 10000;
        res.later = show(await ex.execute("import * as os from 'os';\\ntypeof os.cpus().length", io));
        ex.close();

        // plt's types wait too, until a cell, a completion or an inspection names plt
        ex = new TsExecutor();
        res.pltCompletion = ex.complete("plt.scat", 8).matches;
        res.pltType = show(await ex.execute("const noFig: plt.Figure | undefined = undefined;\\ntypeof plt.scatter", io));
        ex.close();

        // a plt of the cell's own stays when plt's types arrive
        ex = new TsExecutor();
        res.ownPlt = show(await ex.execute("const plt = 5;\\nplt + 1", io));
        await new Promise((r) => setTimeout(r, 1500));
        res.ownPltLater = show(await ex.execute("plt * 2", io));
        ex.close();

        // console is there without Node's types (kernel/types/console)
        ex = new TsExecutor();
        res.consoleFirst = show(await ex.execute("console.log('hi');\\nconsole.table([1]);\\n2", io));
        res.consoleNodeTypes = ex.complete("Error.captureSta", 16).matches.includes("captureStackTrace");
        ex.close();`);
    expect(res.nodeOnly).toBe("'string'");
    expect(res.nodeOnlyThen).toBe("3");
    expect(res.typeError).toBe("error cell:1:7 - Type 'number' is not assignable to type 'string'.");
    expect(res.plain).toBe("6");
    // the first cell did not need Node's types, so they were loaded after it, not before
    expect(res.completedBefore).toBe(false);
    expect(res.completedAfter).toBe(true);
    expect(res.later).toBe("'number'");
    expect(res.pltCompletion).toContain("scatter");
    expect(res.pltType).toBe("'function'");
    expect(res.ownPlt).toBe("6");
    expect(res.ownPltLater).toBe("10");
    expect(res.consoleFirst).toBe("2");
    expect(res.consoleNodeTypes).toBe(false);
  }, 120_000);
});
