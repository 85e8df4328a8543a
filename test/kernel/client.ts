/**
 * A small Jupyter client for tests: DEALER sockets for shell/control/stdin, SUB
 * for iopub, REQ for the heartbeat; signs with the connection key; collects
 * iopub messages per request until `idle`. Every wait has a timeout.
 */
import * as zmq from "zeromq";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { randomBytes, randomUUID } from "crypto";
import { spawn, ChildProcess } from "child_process";
import { ConnectionInfo, Message, Signer, decodeMessage, encodeMessage, endpoint, makeMessage } from "../../kernel/src/wire";

export type Reply = Message;

export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    ports.push((s.address() as net.AddressInfo).port);
    servers.push(s);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function makeConnection(key = randomBytes(16).toString("hex")): Promise<ConnectionInfo> {
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await freePorts(5);
  return { transport: "tcp", ip: "127.0.0.1", shell_port, iopub_port, stdin_port, control_port, hb_port, key, signature_scheme: "hmac-sha256", kernel_name: "torchlab" };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, rej) => {
      t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** A FIFO of received messages with waiting. */
class Inbox {
  private items: Message[] = [];
  private waiters: Array<{ pred: (m: Message) => boolean; resolve: (m: Message) => void; reject: (e: Error) => void }> = [];
  push(m: Message) {
    const i = this.waiters.findIndex((w) => w.pred(m));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w.resolve(m);
    } else this.items.push(m);
  }
  take(pred: (m: Message) => boolean, ms: number, what: string): Promise<Message> {
    const i = this.items.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]);
    let waiter!: { pred: (m: Message) => boolean; resolve: (m: Message) => void; reject: (e: Error) => void };
    const p = new Promise<Message>((resolve, reject) => {
      waiter = { pred, resolve, reject };
      this.waiters.push(waiter);
    });
    return withTimeout(p, ms, what).catch((e) => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      throw e;
    });
  }
  /** Fails every pending wait (their timers are cleared). */
  cancelAll() {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(new Error("client closed"));
  }
  all(pred: (m: Message) => boolean): Message[] {
    return this.items.filter(pred);
  }
}

export class KernelClient {
  readonly session = randomUUID();
  readonly signer: Signer;
  // shell and stdin share a routing id, as jupyter_client's do: the kernel
  // sends input_request to the identities of the shell request.
  readonly shell = new zmq.Dealer({ linger: 0, routingId: this.session });
  readonly control = new zmq.Dealer({ linger: 0 });
  readonly stdin = new zmq.Dealer({ linger: 0, routingId: this.session });
  readonly iopub = new zmq.Subscriber({ linger: 0 });
  private hb = new zmq.Request({ linger: 0 });
  private inbox = { shell: new Inbox(), control: new Inbox(), stdin: new Inbox(), iopub: new Inbox() };
  /** every iopub message in arrival order */
  readonly iopubLog: Message[] = [];
  private closed = false;
  /** how stdin requests are answered; default: reply "" */
  onInput: (m: Message) => string | null = () => "";

  constructor(readonly conn: ConnectionInfo) {
    this.signer = new Signer(conn.key, conn.signature_scheme);
    this.shell.connect(endpoint(conn, "shell"));
    this.control.connect(endpoint(conn, "control"));
    this.stdin.connect(endpoint(conn, "stdin"));
    this.iopub.connect(endpoint(conn, "iopub"));
    this.iopub.subscribe();
    this.hb.connect(endpoint(conn, "hb"));
    for (const ch of ["shell", "control", "stdin", "iopub"] as const) void this.loop(ch);
  }

  private async loop(ch: "shell" | "control" | "stdin" | "iopub") {
    const sock = this[ch];
    try {
      for await (const frames of sock as AsyncIterable<Buffer[]>) {
        let m: Message;
        try {
          m = decodeMessage(frames, this.signer);
        } catch (e) {
          // eslint-disable-next-line no-console
          console.error(`client: bad message on ${ch}: ${(e as Error).message}`);
          continue;
        }
        if (ch === "iopub") this.iopubLog.push(m);
        if (ch === "stdin" && m.header.msg_type === "input_request") {
          const v = this.onInput(m);
          if (v !== null) void this.send("stdin", "input_reply", { value: v }, m.header);
        }
        this.inbox[ch].push(m);
      }
    } catch {
      /* closed */
    }
  }

  /** Sends raw frames (for malformed-message tests). */
  async sendRaw(ch: "shell" | "control" | "stdin", frames: Array<Buffer | string>) {
    await this[ch].send(frames as Buffer[]);
  }

  /** Sends a request; returns its header. */
  async send(ch: "shell" | "control" | "stdin", type: string, content: Record<string, unknown>, parent?: Message["header"], signer: Signer = this.signer) {
    const msg = makeMessage(type, content, parent ?? {}, { session: this.session, username: "test" });
    await this[ch].send(encodeMessage(msg, signer));
    return msg.header;
  }

  /** Waits for the reply to `msgId` on `ch`. */
  reply(ch: "shell" | "control", msgId: string, ms = 10000): Promise<Message> {
    return this.inbox[ch].take((m) => m.parent_header.msg_id === msgId, ms, `reply to ${msgId} on ${ch}`);
  }

  /** Collects iopub messages of `msgId` up to and including status idle. */
  async iopubUntilIdle(msgId: string, ms = 10000): Promise<Message[]> {
    const out: Message[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const m = await this.inbox.iopub.take((x) => x.parent_header.msg_id === msgId, Math.max(1, deadline - Date.now()), `iopub idle for ${msgId}`);
      out.push(m);
      if (m.header.msg_type === "status" && m.content.execution_state === "idle") return out;
    }
  }

  /** Waits for any one iopub message matching pred. */
  iopubMessage(pred: (m: Message) => boolean, ms = 10000): Promise<Message> {
    return this.inbox.iopub.take(pred, ms, "an iopub message");
  }

  /** Sends a request and returns its reply and its iopub messages (through idle). */
  async request(ch: "shell" | "control", type: string, content: Record<string, unknown> = {}, ms = 10000) {
    const h = await this.send(ch, type, content);
    const [reply, iopub] = await Promise.all([this.reply(ch, h.msg_id, ms), this.iopubUntilIdle(h.msg_id, ms)]);
    return { header: h, reply, iopub };
  }

  execute(code: string, opts: Record<string, unknown> = {}, ms = 10000) {
    return this.request("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true, ...opts }, ms);
  }

  /** Waits until iopub is connected (kernel_info until its status arrives: PUB drops messages before SUB joins). */
  async ready(ms = 15000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const h = await this.send("shell", "kernel_info_request", {});
      try {
        await this.reply("shell", h.msg_id, Math.min(2000, deadline - Date.now()));
        await this.inbox.iopub.take((m) => m.parent_header.msg_id === h.msg_id, 500, "iopub");
        // drain the rest of this request's iopub
        await this.iopubUntilIdle(h.msg_id, 2000).catch(() => undefined);
        return;
      } catch {
        /* retry */
      }
    }
    throw new Error("kernel not ready");
  }

  /** One heartbeat round trip; resolves with its duration in ms. */
  async heartbeat(ms = 2000): Promise<number> {
    const t0 = Date.now();
    await this.hb.send("ping");
    const [r] = await withTimeout(this.hb.receive(), ms, "heartbeat");
    if (r.toString() !== "ping") throw new Error("heartbeat echoed something else");
    return Date.now() - t0;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const box of Object.values(this.inbox)) box.cancelAll();
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
  }
}

export interface KernelProcess {
  proc: ChildProcess;
  conn: ConnectionInfo;
  dir: string;
  stderr: () => string;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Starts `node dist/kernel/src/main.js conn.json [args]` with a fresh connection file. */
export async function startKernel(
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  key?: string,
  /** rewrites the connection (for example to the ipc transport) before the kernel reads it */
  connect?: (c: ConnectionInfo, dir: string) => ConnectionInfo,
): Promise<KernelProcess> {
  const root = path.resolve(__dirname, "../..");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-kernel-"));
  const made = await makeConnection(key);
  const conn = connect ? connect(made, dir) : made;
  const file = path.join(dir, "conn.json");
  fs.writeFileSync(file, JSON.stringify(conn));
  const proc = spawn(process.execPath, [path.join(root, "dist/kernel/src/main.js"), file, ...args], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: "", TORCHLAB_HISTORY_FILE: path.join(dir, "history.jsonl"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  proc.stderr!.on("data", (d) => (err += d.toString()));
  proc.stdout!.on("data", (d) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on("exit", (code, sig) => r(code ?? (sig ? -1 : null))));
  return {
    proc,
    conn,
    dir,
    stderr: () => err,
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
