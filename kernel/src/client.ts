/**
 * A Jupyter client for the torchlab kernel, used by `torchlab run` and the
 * tests: it starts the kernel process with a fresh connection file and key,
 * talks to it over zeromq (DEALER for shell/control/stdin, SUB for iopub, REQ
 * for the heartbeat), signs every message, and collects iopub messages per
 * request until `idle`. Every wait has a timeout, so a stuck kernel becomes an
 * error instead of a hang.
 */
import * as zmq from "zeromq";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { randomBytes, randomUUID } from "crypto";
import { spawn, ChildProcess } from "child_process";
import { ConnectionInfo, Message, Signer, decodeMessage, encodeMessage, endpoint, makeMessage } from "./wire";

export type Reply = Message;
export type RequestChannel = "shell" | "control" | "stdin";
type InboxChannel = RequestChannel | "iopub";

/** A wait that ran out of time; `what` says what was awaited. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * Asks the OS for `n` free TCP ports on 127.0.0.1 (the way jupyter_client picks them).
 *
 * @example
 * const [shell, iopub] = await freePorts(2);
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    ports.push((s.address() as net.AddressInfo).port);
    servers.push(s);
  }
  // All are held open until every port is chosen, so no two are the same.
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * A tcp connection description on 127.0.0.1 with free ports and a random key.
 *
 * @example
 * const conn = await makeConnection();
 * fs.writeFileSync("conn.json", JSON.stringify(conn));
 */
export async function makeConnection(key = randomBytes(16).toString("hex")): Promise<ConnectionInfo> {
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await freePorts(5);
  return { transport: "tcp", ip: "127.0.0.1", shell_port, iopub_port, stdin_port, control_port, hb_port, key, signature_scheme: "hmac-sha256", kernel_name: "torchlab" };
}

/**
 * Resolves like `p`, or rejects with a TimeoutError after `ms` (the timer is always cleared).
 *
 * @example
 * const reply = await withTimeout(client.reply("shell", id), 5000, "the reply");
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, rej) => {
      t = setTimeout(() => rej(new TimeoutError(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

interface Waiter {
  pred: (m: Message) => boolean;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
}

/** A FIFO of received messages with waiting. */
class Inbox {
  private items: Message[] = [];
  private waiters: Waiter[] = [];
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
    let waiter!: Waiter;
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
}

/**
 * The sockets of one connection to a kernel, and waits on what arrives.
 *
 * @example
 * const c = new KernelClient(k.conn);
 * await c.ready();
 * const { reply, iopub } = await c.execute("1 + 1");
 */
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
  /** the username in the headers this client sends */
  username = "torchlab";
  /** how stdin requests are answered (null: not at all); default: reply "" */
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

  private async loop(ch: InboxChannel) {
    const sock = this[ch];
    try {
      for await (const frames of sock as AsyncIterable<Buffer[]>) {
        let m: Message;
        try {
          m = decodeMessage(frames, this.signer);
        } catch (e) {
          // A message we cannot verify must not be acted on; say so and go on.
          process.stderr.write(`torchlab client: bad message on ${ch}: ${(e as Error).message}\n`);
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
      /* the socket was closed */
    }
  }

  /** Sends a request; returns its header. */
  async send(ch: RequestChannel, type: string, content: Record<string, unknown>, parent?: Message["header"], signer: Signer = this.signer) {
    const msg = makeMessage(type, content, parent ?? {}, { session: this.session, username: this.username });
    await this[ch].send(encodeMessage(msg, signer));
    return msg.header;
  }

  /** Waits for the reply to `msgId` on `ch`. */
  reply(ch: "shell" | "control", msgId: string, ms = 10000): Promise<Message> {
    return this.inbox[ch].take((m) => m.parent_header.msg_id === msgId, ms, `reply to ${msgId} on ${ch}`);
  }

  /**
   * Collects iopub messages of `msgId` up to and including status idle. They are
   * pushed onto `into` as they arrive, so a caller whose wait timed out still
   * has what came, and can go on collecting into the same array.
   */
  async iopubUntilIdle(msgId: string, ms = 10000, into: Message[] = []): Promise<Message[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = await this.inbox.iopub.take((x) => x.parent_header.msg_id === msgId, Math.max(1, deadline - Date.now()), `iopub idle for ${msgId}`);
      into.push(m);
      if (m.header.msg_type === "status" && m.content.execution_state === "idle") return into;
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

  /** execute_request with Jupyter's usual defaults, overridable by `opts`. */
  execute(code: string, opts: Record<string, unknown> = {}, ms = 10000) {
    return this.request("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true, ...opts }, ms);
  }

  /**
   * Waits until iopub is connected: kernel_info until its status arrives, since
   * PUB drops messages sent before SUB joins. Resolves with the kernel_info reply.
   */
  async ready(ms = 15000): Promise<Message> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const h = await this.send("shell", "kernel_info_request", {});
      try {
        const reply = await this.reply("shell", h.msg_id, Math.min(2000, Math.max(1, deadline - Date.now())));
        await this.inbox.iopub.take((m) => m.parent_header.msg_id === h.msg_id, 500, "iopub");
        // drain the rest of this request's iopub
        await this.iopubUntilIdle(h.msg_id, 2000).catch(() => undefined);
        return reply;
      } catch {
        /* retry */
      }
    }
    throw new TimeoutError(`the kernel did not answer kernel_info within ${ms} ms`);
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

/** A started kernel process and its connection. */
export interface KernelProcess {
  proc: ChildProcess;
  conn: ConnectionInfo;
  /** private directory of the connection file (and the kernel's history file) */
  dir: string;
  /** everything the kernel wrote to stdout and stderr so far */
  stderr: () => string;
  /** resolves with the exit code (-1 when killed by a signal) */
  exited: Promise<number | null>;
  /** SIGKILLs the kernel if it still runs, and removes `dir` */
  kill(): Promise<void>;
}

export interface StartKernelOptions {
  /** extra arguments after the connection file (for example --executor=...) */
  args?: string[];
  /** added to process.env for the kernel */
  env?: NodeJS.ProcessEnv;
  /** the kernel's working directory (default: this process's) */
  cwd?: string;
  /** the HMAC key (default: random; "" for unsigned messages) */
  key?: string;
  /** rewrites the connection (for example to the ipc transport) before the kernel reads it */
  connect?: (c: ConnectionInfo, dir: string) => ConnectionInfo;
  /** the kernel's entry point (default: kernelMainJs()) */
  mainJs?: string;
}

/**
 * The kernel's main.js: next to this file once built; from the TypeScript sources
 * (as under ts-jest) the built one in dist/.
 *
 * @example
 * spawn(process.execPath, [kernelMainJs(), "conn.json"]);
 */
export function kernelMainJs(): string {
  const beside = path.join(__dirname, "main.js");
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, "../../dist/kernel/src/main.js");
}

/**
 * Starts `node main.js conn.json [args]` with a fresh connection file (mode 0600
 * in a private temporary directory). The kernel's history goes to a file in
 * that directory, so runs started here never mix into the user's history.
 *
 * @example
 * const k = await startKernel({ cwd: "notebooks" });
 * const c = new KernelClient(k.conn);
 * await c.ready();
 */
export async function startKernel(options: StartKernelOptions = {}): Promise<KernelProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-kernel-"));
  const made = await makeConnection(options.key);
  const conn = options.connect ? options.connect(made, dir) : made;
  const file = path.join(dir, "conn.json");
  fs.writeFileSync(file, JSON.stringify(conn), { mode: 0o600 });
  const proc = spawn(process.execPath, [options.mainJs ?? kernelMainJs(), file, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, TORCHLAB_HISTORY_FILE: path.join(dir, "history.jsonl"), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  proc.stderr!.on("data", (d) => (err += d.toString()));
  proc.stdout!.on("data", (d) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => {
    proc.on("exit", (code, sig) => r(code ?? (sig ? -1 : null)));
    // A failed spawn emits no exit: report it as one, with the reason in stderr().
    proc.on("error", (e) => {
      err += `could not start the kernel: ${e.message}\n`;
      r(-1);
    });
  });
  return {
    proc,
    conn,
    dir,
    stderr: () => err,
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
        proc.kill("SIGKILL");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Ends a kernel politely: interrupt it if it may be busy, shutdown_request on
 * control, then wait for the process to exit; SIGKILL whatever is left after
 * `ms`. Always removes the kernel's directory and closes the client.
 *
 * @example
 * await shutdownKernel(k, c, 3000);
 */
export async function shutdownKernel(k: KernelProcess, c: KernelClient, ms = 5000, interruptFirst = false): Promise<void> {
  try {
    if (k.proc.exitCode === null && k.proc.signalCode === null) {
      // A cell still running holds the main thread; the interrupt frees it to answer.
      if (interruptFirst) k.proc.kill("SIGINT");
      const deadline = Date.now() + ms;
      const h = await c.send("control", "shutdown_request", { restart: false });
      await c.reply("control", h.msg_id, ms).catch(() => undefined);
      await withTimeout(k.exited, Math.max(1, deadline - Date.now()), "the kernel to exit").catch(() => undefined);
    }
  } finally {
    c.close();
    await k.kill();
  }
}
