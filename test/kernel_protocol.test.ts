// The kernel's Jupyter protocol server, end to end: the real kernel process
// (dist/kernel/src/main.js) talking over zeromq to the client in
// test/kernel/client.ts. Cells run in test/kernel/fake_executor.js (a tiny
// JavaScript executor), so these tests check the protocol, not TypeScript.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KernelClient, KernelProcess, startKernel } from "./kernel/client";
import { History, globToRegExp } from "../kernel/src/history";
import { Signer, WireError, decodeMessage, encodeMessage, makeMessage, parseConnectionInfo, readConnectionFile } from "../kernel/src/wire";
import { codePointsToUtf16, utf16ToCodePoints } from "../kernel/src/server";

const root = path.resolve(__dirname, "..");
const FAKE = "--executor=test/kernel/fake_executor.js";
const types = (ms: { header: { msg_type: string } }[]) => ms.map((m) => m.header.msg_type);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The exit code of the kernel, or "still running" after ms (the timer is cleared either way). */
async function exitWithin(k: KernelProcess, ms: number): Promise<number | null | "still running"> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([k.exited, new Promise<"still running">((r) => (t = setTimeout(() => r("still running"), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

// Build dist/kernel when it is missing or older than its sources.
beforeAll(() => {
  const out = path.join(root, "dist/kernel/src");
  const srcDir = path.join(root, "kernel/src");
  const newest = Math.max(...fs.readdirSync(srcDir).filter((f) => f.endsWith(".ts")).map((f) => fs.statSync(path.join(srcDir, f)).mtimeMs));
  const built = ["main.js", "server.js", "transport.js", "wire.js", "history.js"].map((f) => path.join(out, f));
  if (built.every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= newest)) return;
  try {
    execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", root], { stdio: "pipe" });
  } catch {
    /* type errors elsewhere still emit */
  }
}, 120000);

describe("wire format", () => {
  it("signs, frames and verifies messages", () => {
    const s = new Signer("secret");
    const m = makeMessage("kernel_info_request", { a: 1 }, null, { identities: [Buffer.from("id1")] });
    const frames = encodeMessage(m, s);
    expect(frames[1].toString()).toBe("<IDS|MSG>");
    expect(frames[2].toString()).toMatch(/^[0-9a-f]{64}$/);
    const d = decodeMessage(frames, s);
    expect(d.identities.map(String)).toEqual(["id1"]);
    expect(d.header.msg_type).toBe("kernel_info_request");
    expect(d.header.version).toBe("5.3");
    expect(d.header.msg_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.content).toEqual({ a: 1 });
    expect(() => decodeMessage(frames, new Signer("other"))).toThrow(/invalid signature/);
    const tampered = [...frames];
    tampered[6] = Buffer.from('{"a":2}');
    expect(() => decodeMessage(tampered, s)).toThrow(WireError);
    expect(() => decodeMessage(frames.slice(0, 5), s)).toThrow(/truncated/);
    expect(() => decodeMessage([Buffer.from("x")], s)).toThrow(/delimiter/);
    // an empty key: unsigned
    const u = encodeMessage(m, new Signer(""));
    expect(u[2].length).toBe(0);
    expect(decodeMessage(u, new Signer("")).content).toEqual({ a: 1 });
  });

  it("reads connection files and rejects other signature schemes", () => {
    const base = { ip: "127.0.0.1", transport: "tcp", shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, key: "k" };
    expect(parseConnectionInfo({ ...base, signature_scheme: "hmac-sha256" }).key).toBe("k");
    expect(() => parseConnectionInfo({ ...base, signature_scheme: "hmac-md5" })).toThrow(/unsupported signature_scheme "hmac-md5"/);
    expect(() => parseConnectionInfo({ ...base, shell_port: "x" })).toThrow(/shell_port/);
    const f = path.join(os.tmpdir(), `conn-${process.pid}.json`);
    fs.writeFileSync(f, JSON.stringify({ ...base, signature_scheme: "hmac-sha256" }));
    expect(readConnectionFile(f).hb_port).toBe(5);
    fs.rmSync(f);
  });

  it("converts cursor positions between code points and UTF-16", () => {
    const s = "a😀b";
    expect(codePointsToUtf16(s, 2)).toBe(3);
    expect(utf16ToCodePoints(s, 3)).toBe(2);
    expect(utf16ToCodePoints(s, 4)).toBe(3);
  });

  it("matches history globs like SQLite's GLOB", () => {
    expect(globToRegExp("a*").test("abc")).toBe(true);
    expect(globToRegExp("a*").test("bac")).toBe(false);
    expect(globToRegExp("*x?z*").test("..xyz..")).toBe(true);
    expect(globToRegExp("[ab]c").test("bc")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });

  it("keeps history across sessions in a JSON-lines file", () => {
    const f = path.join(os.tmpdir(), `hist-${process.pid}.jsonl`);
    fs.rmSync(f, { force: true });
    const h1 = new History(f);
    expect(h1.session).toBe(1);
    h1.store(1, "a = 1");
    h1.store(2, "b = 2");
    h1.store(3, "a = 1");
    const h2 = new History(f);
    expect(h2.session).toBe(2);
    h2.store(1, "c = 3");
    expect(h2.query({ hist_access_type: "tail", n: 2 })).toEqual([
      [1, 3, "a = 1"],
      [2, 1, "c = 3"],
    ]);
    expect(h2.query({ hist_access_type: "range", session: -1, start: 2, stop: 4 })).toEqual([
      [1, 2, "b = 2"],
      [1, 3, "a = 1"],
    ]);
    expect(h2.query({ hist_access_type: "range", session: 0 })).toEqual([[2, 1, "c = 3"]]);
    expect(h2.query({ hist_access_type: "search", pattern: "a*", unique: true })).toEqual([[1, 3, "a = 1"]]);
    expect(h2.query({ hist_access_type: "search", pattern: "a*" }).length).toBe(2);
    expect(h2.query({ hist_access_type: "tail", n: 1, output: true })).toEqual([[2, 1, ["c = 3", null]]]);
    fs.rmSync(f, { force: true });
  });
});

describe("kernel process (fake executor)", () => {
  let k: KernelProcess;
  let c: KernelClient;

  beforeAll(async () => {
    k = await startKernel([FAKE]);
    c = new KernelClient(k.conn);
    await c.ready();
  }, 30000);

  afterAll(async () => {
    c?.close();
    await k?.kill();
  });

  it("answers kernel_info on shell and control, busy first and idle last", async () => {
    for (const ch of ["shell", "control"] as const) {
      const { reply, iopub } = await c.request(ch, "kernel_info_request");
      expect(reply.header.msg_type).toBe("kernel_info_reply");
      expect(types(iopub)).toEqual(["status", "status"]);
      expect(iopub.map((m) => m.content.execution_state)).toEqual(["busy", "idle"]);
      const ci = reply.content;
      expect(ci.status).toBe("ok");
      expect(ci.protocol_version).toBe("5.3");
      expect(ci.implementation).toBe("torchlab");
      expect(ci.implementation_version).toBe(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version);
      expect(ci.language_info).toMatchObject({
        name: "typescript",
        mimetype: "text/typescript",
        file_extension: ".ts",
        codemirror_mode: { name: "javascript", typescript: true },
        pygments_lexer: "typescript",
      });
      // the compiler the cells go through (tslab's fork), not the project's own TypeScript
      const fork = require("module").createRequire(require.resolve("tslab/dist/converter"))("@tslab/typescript-for-tslab/package.json").version;
      expect(ci.language_info.version).toBe(fork);
      expect(typeof ci.banner).toBe("string");
      expect(Array.isArray(ci.help_links)).toBe(true);
    }
  });

  it("runs a cell: busy, execute_input, stream, execute_result, idle; reply with the count", async () => {
    const before = (await c.execute("1")).reply.content.execution_count as number;
    const { reply, iopub } = await c.execute("console.log('hello'); 6 * 7");
    expect(types(iopub)).toEqual(["status", "execute_input", "stream", "execute_result", "status"]);
    expect(iopub[0].content.execution_state).toBe("busy");
    expect(iopub[1].content).toEqual({ code: "console.log('hello'); 6 * 7", execution_count: before + 1 });
    expect(iopub[2].content).toEqual({ name: "stdout", text: "hello\n" });
    expect(iopub[3].content).toEqual({ execution_count: before + 1, data: { "text/plain": "42" }, metadata: {} });
    expect(reply.content).toMatchObject({ status: "ok", execution_count: before + 1, payload: [], user_expressions: {} });
    expect(reply.header.msg_type).toBe("execute_reply");
    // every iopub message of the request carries it as parent
    for (const m of iopub) expect(m.parent_header.msg_id).toBe(reply.parent_header.msg_id);
  });

  it("counts executions as the spec says (silent, store_history)", async () => {
    const n = (await c.execute("1")).reply.content.execution_count as number;
    const silent = await c.execute("console.log('quiet'); 5", { silent: true });
    expect(silent.reply.content.execution_count).toBe(n);
    expect(types(silent.iopub)).toEqual(["status", "status"]);
    const noHist = await c.execute("5", { store_history: false });
    expect(noHist.reply.content.execution_count).toBe(n);
    expect(types(noHist.iopub)).toContain("execute_result");
    const next = await c.execute("5");
    expect(next.reply.content.execution_count).toBe(n + 1);
  });

  it("evaluates user_expressions", async () => {
    const { reply } = await c.execute("var ue = 3", { user_expressions: { x: "ue * 2", bad: "nope.nope" } });
    expect(reply.content.user_expressions.x).toEqual({ status: "ok", data: { "text/plain": "6" }, metadata: {} });
    expect(reply.content.user_expressions.bad.status).toBe("error");
  });

  it("reports errors: error message and error reply", async () => {
    const { reply, iopub } = await c.execute("console.log('before'); throw new TypeError('boom')");
    expect(types(iopub)).toEqual(["status", "execute_input", "stream", "error", "status"]);
    const err = iopub[3].content;
    expect(err.ename).toBe("TypeError");
    expect(err.evalue).toBe("boom");
    expect(Array.isArray(err.traceback)).toBe(true);
    expect(reply.content).toMatchObject({ status: "error", ename: "TypeError", evalue: "boom" });
    expect(typeof reply.content.execution_count).toBe("number");
  });

  it("aborts queued execute requests after an error (stop_on_error)", async () => {
    const h1 = await c.send("shell", "execute_request", { code: "sleep(200).then(() => { throw new Error('first') })", silent: false, stop_on_error: true });
    const h2 = await c.send("shell", "execute_request", { code: "var ranSecond = true", silent: false });
    const h3 = await c.send("shell", "execute_request", { code: "2", silent: false });
    const [r1, r2, r3] = await Promise.all([c.reply("shell", h1.msg_id), c.reply("shell", h2.msg_id), c.reply("shell", h3.msg_id)]);
    expect(r1.content.status).toBe("error");
    expect(r2.content.status).toBe("aborted");
    expect(r3.content.status).toBe("aborted");
    const io2 = await c.iopubUntilIdle(h2.msg_id);
    expect(types(io2)).toEqual(["status", "status"]);
    // later requests run again, and the aborted cell never ran
    const after = await c.execute("typeof ranSecond");
    expect(after.reply.content.status).toBe("ok");
    expect(after.iopub.find((m) => m.header.msg_type === "execute_result")!.content.data["text/plain"]).toBe("'undefined'");

    // stop_on_error false: the next request runs
    const g1 = await c.send("shell", "execute_request", { code: "sleep(100).then(() => { throw new Error('x') })", stop_on_error: false });
    const g2 = await c.send("shell", "execute_request", { code: "3" });
    expect((await c.reply("shell", g1.msg_id)).content.status).toBe("error");
    expect((await c.reply("shell", g2.msg_id)).content.status).toBe("ok");
  });

  it("drops messages with a bad signature, then still serves good ones", async () => {
    const bad = await c.send("shell", "execute_request", { code: "var hacked = 1" }, undefined, new Signer("wrong key"));
    await expect(c.reply("shell", bad.msg_id, 700)).rejects.toThrow(/timed out/);
    expect(k.stderr()).toMatch(/invalid signature/);
    const { reply, iopub } = await c.execute("typeof hacked");
    expect(reply.content.status).toBe("ok");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")!.content.data["text/plain"]).toBe("'undefined'");
  });

  it("survives garbage, truncated, malformed and unknown messages", async () => {
    const s = c.signer;
    const good = encodeMessage(makeMessage("kernel_info_request", {}), s);
    const signedParts = (parts: Buffer[]) => [Buffer.from("<IDS|MSG>"), Buffer.from(s.sign(parts)), ...parts];
    await c.sendRaw("shell", [Buffer.from("garbage")]);
    await c.sendRaw("shell", [Buffer.alloc(0)]);
    await c.sendRaw("shell", good.slice(0, 4)); // truncated
    await c.sendRaw("control", [Buffer.from("<IDS|MSG>"), Buffer.from("zz")]);
    await c.sendRaw("shell", signedParts([Buffer.from("{not json"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")]));
    await c.sendRaw("shell", signedParts([Buffer.from("[]"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")]));
    await c.sendRaw("shell", signedParts([Buffer.from('{"msg_id":"x"}'), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")]));
    await c.sendRaw("stdin", signedParts([Buffer.from('{"msg_id":"y","msg_type":"input_reply"}'), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")]));
    // a known type with nonsense content
    await c.send("shell", "execute_request", { code: { not: "a string" }, user_expressions: 5 });
    await c.send("shell", "complete_request", { code: 12, cursor_pos: "x" });
    await c.send("shell", "history_request", { hist_access_type: "search", pattern: 7, n: "many" });
    const unknown = await c.send("shell", "no_such_request", {});
    const io = await c.iopubUntilIdle(unknown.msg_id);
    expect(types(io)).toEqual(["status", "status"]);
    const { reply } = await c.request("shell", "kernel_info_request");
    expect(reply.content.status).toBe("ok");
    expect((await c.execute("1 + 1")).reply.content.status).toBe("ok");
    expect(k.proc.exitCode).toBeNull();
  });

  it("answers the heartbeat while a cell blocks the main thread", async () => {
    const run = c.execute("busyWait(1500); 'done'");
    await sleep(300);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(await c.heartbeat(1000));
    expect(Math.max(...times)).toBeLessThan(500);
    // kernel_info on control also answers while the shell is blocked
    const t0 = Date.now();
    const ki = await c.request("control", "kernel_info_request", {}, 1000);
    expect(ki.reply.content.status).toBe("ok");
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await run).reply.content.status).toBe("ok");
  });

  it("interrupts a synchronous loop and a pending promise (message mode), keeping state", async () => {
    await c.execute("var kept = 'still here'");
    const loop = c.execute("while (true) {}", {}, 15000);
    await sleep(300);
    const t0 = Date.now();
    const ir = await c.request("control", "interrupt_request", {}, 2000);
    expect(ir.reply.content.status).toBe("ok");
    const r = await loop;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.reply.content.status).toBe("error");
    expect(r.reply.content.ename).toBe("KeyboardInterrupt");

    const pending = c.execute("never()", {}, 15000);
    await sleep(200);
    await c.request("control", "interrupt_request", {}, 2000);
    const p = await pending;
    expect(p.reply.content.ename).toBe("KeyboardInterrupt");
    const next = await c.execute("kept");
    expect(next.iopub.find((m) => m.header.msg_type === "execute_result")!.content.data["text/plain"]).toBe("'still here'");
  });

  it("interrupts on SIGINT (signal mode)", async () => {
    const loop = c.execute("while (true) {}", {}, 15000);
    await sleep(300);
    k.proc.kill("SIGINT");
    const r = await loop;
    expect(r.reply.content.ename).toBe("KeyboardInterrupt");
    const pending = c.execute("never()", {}, 15000);
    await sleep(200);
    k.proc.kill("SIGINT");
    expect((await pending).reply.content.ename).toBe("KeyboardInterrupt");
    expect((await c.execute("1")).reply.content.status).toBe("ok");
  });

  it("publishes display_data, update_display_data and clear_output in order with streams", async () => {
    const { iopub } = await c.execute(
      "console.log('a'); display({'text/plain': 'D'}, {displayId: 'd1'}); console.log('b'); clearOutput(true); display({'text/plain': 'E'}, {displayId: 'd1', update: true})",
    );
    expect(types(iopub)).toEqual(["status", "execute_input", "stream", "display_data", "stream", "clear_output", "update_display_data", "status"]);
    expect(iopub[3].content).toEqual({ data: { "text/plain": "D" }, metadata: {}, transient: { display_id: "d1" } });
    expect(iopub[5].content).toEqual({ wait: true });
    expect(iopub[6].content.transient).toEqual({ display_id: "d1" });
  });

  it("asks for input over stdin, and refuses when allow_stdin is false", async () => {
    c.onInput = (m) => (m.content.prompt === "name? " ? "Ada" : "?");
    const { reply, iopub } = await c.execute("input('name? ').then((v) => 'hi ' + v)");
    expect(reply.content.status).toBe("ok");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")!.content.data["text/plain"]).toBe("'hi Ada'");
    const no = await c.execute("input('x')", { allow_stdin: false });
    expect(no.reply.content.status).toBe("error");
    expect(no.reply.content.ename).toBe("StdinNotImplementedError");
  });

  it("routes output that arrives after the cell returned to that cell", async () => {
    const { header, iopub } = await c.execute("setTimeout(() => console.log('late'), 150); 'returned'");
    expect(types(iopub)).not.toContain("stream");
    const late = await c.iopubMessage((m) => m.header.msg_type === "stream" && m.parent_header.msg_id === header.msg_id, 3000);
    expect(late.content.text).toBe("late\n");
  });

  it("reports a later unhandled rejection without dying", async () => {
    const { header } = await c.execute("setTimeout(() => Promise.reject(new Error('later boom')), 50); 1");
    const m = await c.iopubMessage((x) => x.header.msg_type === "stream" && x.parent_header.msg_id === header.msg_id, 3000);
    expect(m.content.name).toBe("stderr");
    expect(m.content.text).toMatch(/later boom/);
    await c.execute("setTimeout(() => { throw 'thrown later' }, 20); 1");
    await sleep(200);
    expect((await c.execute("2")).reply.content.status).toBe("ok");
    expect(k.proc.exitCode).toBeNull();
  });

  it("coalesces a flood of stream output and keeps the last line", async () => {
    const n = Number(process.env.FLOOD_LINES ?? 100000);
    const { iopub, reply } = await c.execute(`for (let i = 0; i < ${n}; i++) console.log('line ' + i); 'end'`, {}, 60000);
    expect(reply.content.status).toBe("ok");
    const streams = iopub.filter((m) => m.header.msg_type === "stream");
    expect(streams.length).toBeGreaterThan(0);
    expect(streams.length).toBeLessThan(200);
    const text = streams.map((m) => m.content.text).join("");
    const lines = text.split("\n");
    expect(lines.length).toBe(n + 1);
    expect(lines[n - 1]).toBe(`line ${n - 1}`);
    expect(lines[0]).toBe("line 0");
    expect(types(iopub).slice(-2)).toEqual(["execute_result", "status"]);
  }, 60000);

  it("delegates complete, inspect and is_complete (cursor in code points)", async () => {
    await c.execute("var myVariable = 1");
    const code = "'😀'; myVa";
    const { reply, iopub } = await c.request("shell", "complete_request", { code, cursor_pos: [...code].length });
    expect(types(iopub)).toEqual(["status", "status"]);
    expect(reply.content).toMatchObject({ status: "ok", cursor_start: [...code].length - 4, cursor_end: [...code].length, metadata: {} });
    expect(reply.content.matches).toContain("myVariable");
    const ins = await c.request("shell", "inspect_request", { code: "myVariable", cursor_pos: 10, detail_level: 0 });
    expect(ins.reply.content).toMatchObject({ status: "ok", found: true, data: { "text/plain": "myVariable: number" } });
    const inc = await c.request("shell", "is_complete_request", { code: "if (x) {" });
    expect(inc.reply.content).toEqual({ status: "incomplete", indent: "  " });
    const comp = await c.request("shell", "is_complete_request", { code: "x = 1" });
    expect(comp.reply.content).toEqual({ status: "complete" });
  });

  it("answers history requests (tail, range, search, unique)", async () => {
    await c.execute("'hist-a'");
    await c.execute("'hist-b'");
    await c.execute("'hist-a'");
    await c.execute("'hist-silent'", { silent: true });
    const tail = (await c.request("shell", "history_request", { hist_access_type: "tail", n: 3, output: false, raw: true })).reply.content;
    expect(tail.status).toBe("ok");
    expect(tail.history.map((h: unknown[]) => h[2])).toEqual(["'hist-a'", "'hist-b'", "'hist-a'"]);
    const [session, line] = tail.history[2];
    const range = (await c.request("shell", "history_request", { hist_access_type: "range", session: 0, start: line - 1, stop: line + 1, output: true, raw: true })).reply.content;
    expect(range.history).toEqual([
      [session, line - 1, ["'hist-b'", "'hist-b'"]],
      [session, line, ["'hist-a'", "'hist-a'"]],
    ]);
    const search = (await c.request("shell", "history_request", { hist_access_type: "search", pattern: "'hist-*", unique: true, output: false, raw: true })).reply.content;
    expect(search.history.map((h: unknown[]) => h[2])).toEqual(["'hist-b'", "'hist-a'"]);
    const file = path.join(k.dir, "history.jsonl");
    expect(fs.readFileSync(file, "utf8")).toMatch(/hist-b/);
  });

  it("keeps a comm registry: comm_info, comm_open of an unknown target is closed", async () => {
    const info = await c.request("shell", "comm_info_request", {});
    expect(info.reply.content).toEqual({ status: "ok", comms: {} });
    // comm messages have no reply: only busy/idle (and comm_close for an unknown target)
    const open = await c.iopubUntilIdle((await c.send("shell", "comm_open", { comm_id: "c1", target_name: "nobody", data: {} })).msg_id);
    expect(types(open)).toEqual(["status", "comm_close", "status"]);
    expect(open[1].content).toEqual({ comm_id: "c1", data: {} });
    const msg = await c.iopubUntilIdle((await c.send("shell", "comm_msg", { comm_id: "c1", data: {} })).msg_id);
    expect(types(msg)).toEqual(["status", "status"]);
    const close = await c.iopubUntilIdle((await c.send("shell", "comm_close", { comm_id: "c1", data: {} })).msg_id);
    expect(types(close)).toEqual(["status", "status"]);
    const info2 = await c.request("shell", "comm_info_request", { target_name: "nobody" });
    expect(info2.reply.content.comms).toEqual({});
  });
});

describe("kernel process lifecycle", () => {
  it("shuts down on control (restart flag echoed) and the process exits", async () => {
    for (const restart of [false, true]) {
      const k = await startKernel([FAKE]);
      const c = new KernelClient(k.conn);
      try {
        await c.ready();
        const { reply, iopub } = await c.request("control", "shutdown_request", { restart });
        expect(reply.content).toEqual({ status: "ok", restart });
        expect(types(iopub)).toEqual(["status", "status"]);
        const code = await exitWithin(k, 5000);
        expect(code).toBe(0);
      } finally {
        c.close();
        await k.kill();
      }
    }
  }, 30000);

  it("shuts down even while a cell blocks the main thread", async () => {
    const k = await startKernel([FAKE]);
    const c = new KernelClient(k.conn);
    try {
      await c.ready();
      void c.execute("busyWait(20000)", {}, 25000).catch(() => undefined);
      await sleep(300);
      const h = await c.send("control", "shutdown_request", { restart: false });
      const reply = await c.reply("control", h.msg_id, 8000).catch((e) => {
        throw new Error(`${e.message}\nkernel stderr:\n${k.stderr()}`);
      });
      expect(reply.content.status).toBe("ok");
      const code = await exitWithin(k, 8000);
      expect(code).not.toBe("still running");
    } finally {
      c.close();
      await k.kill();
    }
  }, 30000);

  it("works unsigned with an empty key", async () => {
    const k = await startKernel([FAKE], {}, "");
    const c = new KernelClient(k.conn);
    try {
      await c.ready();
      const { reply } = await c.execute("1 + 2");
      expect(reply.content.status).toBe("ok");
      expect(reply.content.execution_count).toBe(1);
    } finally {
      c.close();
      await k.kill();
    }
  }, 30000);

  it("works over the ipc transport (files named ip-port, as jupyter_client makes them)", async () => {
    const k = await startKernel([FAKE], {}, undefined, (c, dir) => ({
      ...c,
      transport: "ipc",
      ip: path.join(dir, "kernel"),
      shell_port: 1,
      iopub_port: 2,
      stdin_port: 3,
      control_port: 4,
      hb_port: 5,
    }));
    const c = new KernelClient(k.conn);
    try {
      await c.ready();
      const { reply, iopub } = await c.execute("console.log('over ipc'); 40 + 2");
      expect(reply.content.status).toBe("ok");
      expect(iopub.some((m) => m.header.msg_type === "stream" && String(m.content.text).includes("over ipc"))).toBe(true);
      expect(fs.existsSync(path.join(k.dir, "kernel-1"))).toBe(true);
    } finally {
      c.close();
      await k.kill();
    }
  }, 30000);

  it("exits with status 1 (never an abort) when the executor fails to load", async () => {
    // zeromq aborted the process when it exited while the socket thread was still creating sockets;
    // an executor that loads the runtime first made that happen in about 1 start of 7.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-badexec-"));
    const bad = path.join(dir, "bad_executor.js");
    fs.writeFileSync(bad, `module.exports = function () { require(${JSON.stringify(path.resolve(__dirname, "../dist/runtime/index.js"))}); throw new Error("executor failed"); };\n`);
    for (let i = 0; i < 6; i++) {
      const k = await startKernel([`--executor=${bad}`]);
      const code = await k.exited;
      expect({ code, aborted: /terminate called|Aborted/.test(k.stderr()) }).toEqual({ code: 1, aborted: false });
      expect(k.stderr()).toContain("executor failed");
    }
  }, 60000);

  it("refuses a connection file with another signature scheme", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-conn-"));
    const f = path.join(dir, "conn.json");
    fs.writeFileSync(f, JSON.stringify({ transport: "tcp", ip: "127.0.0.1", shell_port: 0, iopub_port: 0, stdin_port: 0, control_port: 0, hb_port: 0, key: "k", signature_scheme: "hmac-sha1" }));
    let out = "";
    let status = 0;
    try {
      execFileSync(process.execPath, [path.join(root, "dist/kernel/src/main.js"), `--connection-file=${f}`, FAKE], { cwd: root, stdio: "pipe" });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      out = err.stderr.toString();
    }
    fs.rmSync(dir, { recursive: true, force: true });
    expect(status).not.toBe(0);
    expect(out).toMatch(/unsupported signature_scheme "hmac-sha1"/);
  });
});
