#!/usr/bin/env node
// The Jupyter kernel's speed against tslab's, in the same run, through a
// Jupyter client speaking the wire protocol over zeromq (shell, iopub and
// control; HMAC-SHA256 signed), as a front end does:
//   startup   time from spawning the kernel to the first execute_reply
//             (torchlab: a cell using torch, so the runtime is loaded;
//             tslab: `1 + 1`, it has no tensor library)
//   trivial   median round trip of the cell `1` (execute_request sent ->
//             execute_reply received and iopub back to idle)
//   first cell after idle: kernel_info at once (as a front end sends it), the
//             first cell --first-after ms later (default 2000): its round trip
//   growth    a session of N cells that each declare a new const
//             (`const v123 = 123 + 1; v123`): the round trip around the
//             500th cell against the one around the 10th (medians of 11
//             cells centred on each)
//   npm run build:ts && node bench/kernel.js [--only=torchlab|tslab] [--trivial=200] [--cells=510] [--startups=3] [--first-after=2000] [--json]
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const zmq = require("zeromq");

const root = path.join(__dirname, "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const TRIVIAL = Number(opt("trivial", "200"));
const CELLS = Number(opt("cells", "510"));
const STARTUPS = Number(opt("startups", "3"));
const FIRST_AFTER = Number(opt("first-after", "2000"));
const ONLY = opt("only", "");
const JSON_OUT = args.includes("--json");

const KERNELS = {
  torchlab: {
    argv: (conn) => [process.execPath, path.join(root, "dist/kernel/src/main.js"), conn],
    firstCell: "torch.zeros(2, 2).add(1).sum().item()",
    firstResult: "4",
  },
  tslab: {
    argv: (conn) => [process.execPath, path.join(root, "node_modules/tslab/bin/tslab"), "kernel", "--config-path", conn],
    firstCell: "1 + 1",
    firstResult: "2",
  },
};

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePorts(n) {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise((resolve) => {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => resolve(s));
    })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A minimal Jupyter client: shell + control DEALERs, iopub SUB. */
class Client {
  constructor(conn) {
    this.conn = conn;
    this.session = crypto.randomUUID();
    this.pending = new Map(); // msg_id -> { reply, idle, resolve, ... }
    const url = (port) => `${conn.transport}://${conn.ip}:${port}`;
    this.shell = new zmq.Dealer({ linger: 0 });
    this.control = new zmq.Dealer({ linger: 0 });
    this.iopub = new zmq.Subscriber({ linger: 0 });
    this.shell.connect(url(conn.shell_port));
    this.control.connect(url(conn.control_port));
    this.iopub.connect(url(conn.iopub_port));
    this.iopub.subscribe();
    this.closed = false;
    this.loop(this.shell, "shell");
    this.loop(this.control, "control");
    this.loop(this.iopub, "iopub");
  }

  sign(parts) {
    const h = crypto.createHmac("sha256", this.conn.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  async send(socket, msgType, content) {
    const header = { msg_id: crypto.randomUUID(), session: this.session, username: "bench", date: new Date().toISOString(), msg_type: msgType, version: "5.3" };
    const parts = [JSON.stringify(header), "{}", "{}", JSON.stringify(content)];
    const entry = { header, reply: null, idle: false, iopub: [] };
    entry.done = new Promise((resolve) => (entry.resolve = resolve));
    this.pending.set(header.msg_id, entry);
    await socket.send(["<IDS|MSG>", this.sign(parts), ...parts]);
    return entry;
  }

  async loop(socket, channel) {
    try {
      for await (const frames of socket) {
        const i = frames.findIndex((f) => f.toString() === "<IDS|MSG>");
        if (i < 0) continue;
        const [sig, header, parent, , content] = frames.slice(i + 1, i + 6).map((f) => f.toString());
        if (this.sign([header, parent, frames[i + 4].toString(), content]) !== sig) throw new Error(`bad signature on ${channel}`);
        const h = JSON.parse(header);
        const p = JSON.parse(parent);
        const entry = this.pending.get(p.msg_id);
        if (!entry) continue;
        const c = JSON.parse(content);
        if (channel === "iopub") {
          entry.iopub.push({ msg_type: h.msg_type, content: c });
          if (h.msg_type === "status" && c.execution_state === "idle") entry.idle = true;
        } else {
          entry.reply = { msg_type: h.msg_type, content: c };
          entry.replyAt = now();
          if (!entry.idle && entry.idleGraceMs) {
            // tslab (with zeromq 6's one-send-at-a-time sockets) now and then loses iopub messages:
            // give up on the idle after a grace period and count the cell as "lost idle"
            setTimeout(() => {
              if (this.pending.get(p.msg_id) !== entry) return;
              entry.lostIdle = true;
              this.pending.delete(p.msg_id);
              entry.resolve(entry);
            }, entry.idleGraceMs).unref();
          }
        }
        if (entry.reply && (entry.idle || entry.replyOnly)) {
          this.pending.delete(p.msg_id);
          entry.resolve(entry);
        }
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  /** Sends and waits for the reply (and iopub idle unless replyOnly). */
  async request(msgType, content, { channel = "shell", replyOnly = false, timeoutMs = 60_000, idleGraceMs = 0 } = {}) {
    const entry = await this.send(channel === "shell" ? this.shell : this.control, msgType, content);
    entry.replyOnly = replyOnly;
    entry.idleGraceMs = idleGraceMs;
    let timer;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${msgType}: no ${entry.reply ? "idle" : "reply"} in ${timeoutMs} ms (iopub: ${entry.iopub.map((m) => m.msg_type).join(", ") || "none"})`)), timeoutMs)));
    try {
      return await Promise.race([entry.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  execute(code, opts) {
    return this.request("execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, opts);
  }

  close() {
    this.closed = true;
    for (const s of [this.shell, this.control, this.iopub]) s.close();
  }
}

async function startKernel(name, dir) {
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await freePorts(5);
  const conn = { transport: "tcp", ip: "127.0.0.1", shell_port, iopub_port, stdin_port, control_port, hb_port, signature_scheme: "hmac-sha256", key: crypto.randomUUID(), kernel_name: name };
  const file = path.join(dir, `kernel-${name}-${shell_port}.json`);
  fs.writeFileSync(file, JSON.stringify(conn));
  const [cmd, ...argv] = KERNELS[name].argv(file);
  const t0 = now();
  const env = { ...process.env, JUPYTER_DATA_DIR: dir, TORCHLAB_HISTORY_FILE: path.join(dir, `history-${shell_port}.jsonl`) };
  delete env.NODE_OPTIONS;
  const proc = spawn(cmd, argv, { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((r) => proc.on("exit", r));
  const client = new Client(conn);
  return { conn, proc, client, t0, exited, stderr: () => stderr };
}

async function stopKernel(k) {
  try {
    await k.client.request("shutdown_request", { restart: false }, { channel: "control", replyOnly: true, timeoutMs: 3000 });
  } catch {
    // killed below
  }
  const gone = await Promise.race([k.exited.then(() => true), sleep(3000).then(() => false)]);
  if (!gone) k.proc.kill("SIGKILL");
  k.client.close();
}

/** Waits until iopub carries this client's messages (a SUB misses what was published before it joined). */
async function awaitIopub(client) {
  for (let i = 0; i < 100; i++) {
    const entry = await client.send(client.shell, "kernel_info_request", {});
    const ok = await Promise.race([entry.done.then(() => true), sleep(200).then(() => false)]);
    if (ok) return;
    entry.replyOnly = true; // stop waiting for its idle
  }
  throw new Error("iopub never delivered a status message");
}

/** The cell's value: its execute_result, or (tslab, which console.logs the last value) its stdout. */
function text(entry) {
  const r = entry.iopub.find((m) => m.msg_type === "execute_result");
  if (r) return r.content.data["text/plain"];
  const out = entry.iopub.filter((m) => m.msg_type === "stream" && m.content.name === "stdout").map((m) => m.content.text).join("");
  return out ? out.trimEnd() : undefined;
}

async function benchKernel(name, dir) {
  const spec = KERNELS[name];
  /** Starts a kernel, runs `body` on it (whose error carries the kernel's stderr), stops it. */
  const withKernel = async (body) => {
    const k = await startKernel(name, dir);
    try {
      await body(k);
    } catch (e) {
      e.message += `\n${name} stderr:\n${k.stderr().slice(-3000)}`;
      throw e;
    } finally {
      await stopKernel(k);
    }
  };
  const firstCell = async (k) => {
    const reply = await k.client.execute(spec.firstCell, { replyOnly: true });
    if (reply.reply.content.status !== "ok") throw new Error(`${name}: first cell failed: ${JSON.stringify(reply.reply.content)}`);
  };

  const startups = [];
  for (let s = 0; s < STARTUPS; s++) {
    await withKernel(async (k) => {
      await firstCell(k);
      startups.push(now() - k.t0);
    });
  }

  // What a user meets: the front end asks for kernel_info at once, the first cell comes later.
  const afterIdle = [];
  for (let s = 0; s < STARTUPS; s++) {
    await withKernel(async (k) => {
      await k.client.request("kernel_info_request", {}, { channel: "shell", replyOnly: true, timeoutMs: 30000 });
      await sleep(FIRST_AFTER);
      const t0 = now();
      await firstCell(k);
      afterIdle.push(now() - t0);
    });
  }

  const k = await startKernel(name, dir);
  let phase = "start";
  try {
    await k.client.execute(spec.firstCell, { replyOnly: true });
    await awaitIopub(k.client);
    const first = await k.client.execute(spec.firstCell);
    if (String(text(first)) !== spec.firstResult) throw new Error(`${name}: ${spec.firstCell} gave ${text(first)}`);
    // torchlab must deliver every iopub message; tslab loses some (see Client.loop), which are counted
    const idleGraceMs = name === "tslab" ? 2000 : 0;
    let lostIdle = 0;
    /** Runs one cell; returns [round trip to idle, to execute_reply] in ms, or null for a lost idle. */
    const cell = async (code, expected) => {
      const t = now();
      const e = await k.client.execute(code, { idleGraceMs });
      const value = text(e);
      if (e.reply.content.status !== "ok" || (value !== expected && !(e.lostIdle && value === undefined))) {
        throw new Error(`${name}: cell ${JSON.stringify(code)} gave ${JSON.stringify(e.reply.content)} / ${value}`);
      }
      if (e.lostIdle) {
        lostIdle++;
        return null;
      }
      return [now() - t, e.replyAt - t];
    };
    // trivial cells
    for (let i = 0; i < 20; i++) await cell("1", "1");
    const trivial = [];
    const trivialReply = [];
    for (let i = 0; i < TRIVIAL; i++) {
      phase = `trivial cell ${i}`;
      const r = await cell("1", "1");
      if (r) {
        trivial.push(r[0]);
        trivialReply.push(r[1]);
      }
    }
    // a growing session: each cell declares a new const
    const growth = [];
    for (let i = 1; i <= CELLS; i++) {
      phase = `declaring cell ${i}`;
      const r = await cell(`const v${i} = ${i} + 1;\nv${i}`, String(i + 1));
      growth.push(r ? r[0] : NaN);
    }
    const around = (n) => median(growth.slice(Math.max(0, n - 6), n + 5).filter((x) => !Number.isNaN(x))); // cells n-5 .. n+5 (1-based)
    const cell10 = around(10);
    const cell500 = around(Math.min(500, CELLS - 5));
    return {
      kernel: name,
      startup_ms: median(startups),
      startups_ms: startups.map((x) => +x.toFixed(1)),
      first_after_idle_ms: median(afterIdle),
      trivial_median_ms: median(trivial),
      trivial_reply_median_ms: median(trivialReply),
      trivial_p90_ms: [...trivial].sort((a, b) => a - b)[Math.floor(trivial.length * 0.9)],
      cell10_ms: cell10,
      cell500_ms: cell500,
      growth_ratio: cell500 / cell10,
      lost_idle: lostIdle,
    };
  } catch (e) {
    e.message += ` (${phase})\n${name} stderr:\n${k.stderr().slice(-3000)}`;
    throw e;
  } finally {
    await stopKernel(k);
  }
}

const TARGETS = { startup_ms: 1000, trivial_median_ms: 5, growth_ratio: 1.5 };

async function main() {
  for (const [name, file] of [["torchlab", "dist/kernel/src/main.js"], ["tslab", "node_modules/tslab/bin/tslab"]]) {
    if ((!ONLY || ONLY === name) && !fs.existsSync(path.join(root, file))) {
      console.error(`bench/kernel.js: ${file} is missing${name === "torchlab" ? " (run `npm run build:ts` first)" : ""}`);
      process.exit(2);
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-kbench-"));
  const results = {};
  try {
    for (const name of ["torchlab", "tslab"]) {
      if (ONLY && ONLY !== name) continue;
      if (!JSON_OUT) process.stderr.write(`${name}: ${STARTUPS} startups, ${TRIVIAL} trivial cells, ${CELLS} declaring cells...\n`);
      results[name] = await benchKernel(name, dir);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (JSON_OUT) {
    console.log(JSON.stringify(results, null, 1));
    return;
  }
  const rows = [
    ["startup_ms", "start -> first execute_reply (ms)"],
    ["first_after_idle_ms", `first cell ${FIRST_AFTER / 1000} s after kernel_info (ms)`],
    ["trivial_median_ms", "cell `1` round trip, median (ms)"],
    ["trivial_reply_median_ms", "cell `1` to execute_reply, median (ms)"],
    ["trivial_p90_ms", "cell `1` round trip, p90 (ms)"],
    ["cell10_ms", "declaring cell ~10th (ms)"],
    ["cell500_ms", `declaring cell ~${Math.min(500, CELLS - 5)}th (ms)`],
    ["growth_ratio", "~500th / ~10th"],
    ["lost_idle", "cells whose iopub idle never came"],
  ];
  const t = results.torchlab;
  const s = results.tslab;
  const fmt = (x) => (x === undefined ? "-" : Number.isInteger(x) ? String(x) : x.toFixed(2));
  console.log(`${"".padEnd(38)}${"torchlab".padStart(10)}${"tslab".padStart(10)}${"ratio".padStart(8)}  target`);
  for (const [key, label] of rows) {
    const ratio = t && s && key !== "lost_idle" ? t[key] / s[key] : undefined;
    const target = TARGETS[key];
    const verdict = t && target !== undefined ? (t[key] <= target ? `<= ${target} ok` : `<= ${target} MISS`) : "";
    console.log(`${label.padEnd(38)}${fmt(t?.[key]).padStart(10)}${fmt(s?.[key]).padStart(10)}${fmt(ratio).padStart(8)}  ${verdict}`);
  }
  console.log(`(${os.cpus().length} CPUs, node ${process.version}; ratio = torchlab / tslab)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e.stack || e);
    process.exit(1);
  },
);
