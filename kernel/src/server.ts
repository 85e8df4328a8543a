/**
 * The Jupyter protocol server: request handling, ordering and iopub output for
 * one kernel process. Sockets live in a worker thread (transport.ts) so the
 * heartbeat and interrupts work while a cell blocks this thread; here we only
 * see decoded, verified messages and post replies back.
 *
 * Every shell/control request: status busy (with the request as parent) first,
 * then the reply, then status idle. Shell requests run one at a time, in order.
 */
import * as Module from "node:module";
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import type { CellError, CellIO, ExecuteOutcome, Executor, MimeBundle } from "./api";
import { History } from "./history";
import { logToStderr, preciseNow } from "./transport";
import type { FromWorker, PortMessage, ToWorker, TransportData } from "./transport";
import { ConnectionInfo, Message, MessageHeader, PROTOCOL_VERSION, makeMessage } from "./wire";
import * as os from "os";
import { randomUUID } from "crypto";

export interface KernelServerOptions {
  /** history store (default: the file of defaultHistoryFile()) */
  history?: History;
  /** called after shutdown_request has been answered and the sockets closed (default: process.exit(0)) */
  onShutdown?: (restart: boolean) => void;
  /** stream coalescing period in ms (default 50) */
  streamFlushMs?: number;
  /** log sink (default: stderr) */
  log?: (text: string) => void;
}

type Channel = "shell" | "control" | "stdin" | "iopub";

/** A comm target: what a comm_open for `target_name` is handed. */
export type CommHandler = {
  open?(commId: string, data: unknown, msg: Message): void;
  msg?(commId: string, data: unknown, msg: Message): void;
  close?(commId: string, data: unknown, msg: Message): void;
};

const STREAM_FLUSH_BYTES = 1 << 20;

function findPackageJson(): { version: string } {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const f = path.join(dir, "package.json");
    try {
      const pkg = JSON.parse(fs.readFileSync(f, "utf8"));
      if (pkg.name === "torchlab") return pkg;
    } catch {
      /* keep looking */
    }
    dir = path.dirname(dir);
  }
  return { version: "0.0.0" };
}

/** The version of the compiler cells go through: tslab's TypeScript fork, not the project's `typescript`. */
function typescriptVersion(): string {
  try {
    const fromTslab = Module.createRequire(require.resolve("tslab/dist/converter"));
    return (fromTslab("@tslab/typescript-for-tslab/package.json") as { version: string }).version;
  } catch {
    return "5";
  }
}

/** kernel_info_reply content. */
export function kernelInfoContent(): Record<string, unknown> {
  const pkg = findPackageJson();
  const tsVersion = typescriptVersion();
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "torchlab",
    implementation_version: pkg.version,
    language_info: {
      name: "typescript",
      version: tsVersion,
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
    },
    banner: `torchlab ${pkg.version}: PyTorch in TypeScript (TypeScript ${tsVersion}, Node.js ${process.version})`,
    help_links: [
      { text: "torchlab", url: "https://github.com/torchlab/torchlab#readme" },
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
    ],
    debugger: false,
  };
}

/** Jupyter counts cursor positions in Unicode code points; JavaScript strings in UTF-16 units. */
export function codePointsToUtf16(text: string, cp: number): number {
  let i = 0;
  let n = 0;
  while (i < text.length && n < cp) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    n++;
  }
  return i;
}
export function utf16ToCodePoints(text: string, index: number): number {
  let n = 0;
  for (let i = 0; i < Math.min(index, text.length); i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
    n++;
  }
  return n;
}

function errorFields(e: unknown): CellError {
  if (e instanceof Error) return { ename: e.name || "Error", evalue: e.message, traceback: (e.stack ?? `${e.name}: ${e.message}`).split("\n") };
  let evalue: string;
  try {
    evalue = typeof e === "string" ? e : JSON.stringify(e) ?? String(e);
  } catch {
    evalue = String(e);
  }
  return { ename: "Error", evalue, traceback: [`Uncaught ${evalue}`] };
}

class KeyboardInterrupt extends Error {
  constructor() {
    super("Interrupted");
    this.name = "KeyboardInterrupt";
  }
}

/** The CellIO of one execute_request: iopub messages parented to it, streams coalesced. */
class CellOutput implements CellIO {
  private pendingName: "stdout" | "stderr" | null = null;
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingSince = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly server: KernelServer,
    readonly request: Message,
    private readonly silent: boolean,
    private readonly allowStdin: boolean,
    private readonly flushMs: number,
  ) {}

  stream(name: "stdout" | "stderr", text: string): void {
    if (this.silent) return;
    if (typeof text !== "string") text = String(text);
    if (text.length === 0) return;
    if (name !== "stdout" && name !== "stderr") name = "stdout";
    if (this.pendingName !== null && this.pendingName !== name) this.flush();
    if (this.pendingName === null) {
      this.pendingName = name;
      this.pendingSince = Date.now();
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    // A synchronous loop never lets the timer run: flush inline when due.
    if (this.pendingBytes >= STREAM_FLUSH_BYTES || Date.now() - this.pendingSince >= this.flushMs) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  /** Publishes buffered stream text (in order) as one message. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pendingName === null) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join("");
    const name = this.pendingName;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingName = null;
    this.server.publish("stream", { name, text }, this.request);
  }

  display(data: MimeBundle, metadata: Record<string, unknown>, transient: { display_id?: string }, update: boolean): void {
    if (this.silent) return;
    this.flush();
    const content: Record<string, unknown> = { data: data ?? {}, metadata: metadata ?? {}, transient: transient ?? {} };
    this.server.publish(update ? "update_display_data" : "display_data", content, this.request);
  }

  clearOutput(wait: boolean): void {
    if (this.silent) return;
    this.flush();
    this.server.publish("clear_output", { wait: !!wait }, this.request);
  }

  input(prompt: string, password: boolean): Promise<string> {
    if (!this.allowStdin) {
      return Promise.reject(Object.assign(new Error("input was called, but this frontend does not support input requests (allow_stdin is false)"), { name: "StdinNotImplementedError" }));
    }
    this.flush();
    return this.server.requestInput(this.request, String(prompt ?? ""), !!password);
  }
}

export class KernelServer {
  readonly session = randomUUID();
  readonly username: string;
  readonly history: History;
  private worker: Worker | null = null;
  private executionCount = 0;
  private shellQueue: Array<{ msg: Message; receivedAt: number }> = [];
  private shellBusy = false;
  /** stop_on_error: execute requests received before this time are aborted */
  private abortBefore = -Infinity;
  private comms = new Map<string, string>();
  private commTargets = new Map<string, CommHandler>();
  private pendingInput: { resolve: (v: string) => void; reject: (e: Error) => void } | null = null;
  private currentCell: CellOutput | null = null;
  private lastCell: CellOutput | null = null;
  private closed = false;
  private readonly log: (text: string) => void;
  private readonly flushMs: number;
  private readonly kernelInfo = kernelInfoContent();
  private closedPromise: Promise<void> | null = null;
  private resolveClosed: (() => void) | null = null;

  constructor(
    readonly connection: ConnectionInfo,
    readonly executor: Executor,
    private readonly options: KernelServerOptions = {},
  ) {
    let username = "kernel";
    try {
      username = os.userInfo().username;
    } catch {
      /* no passwd entry */
    }
    this.username = username;
    this.history = options.history ?? new History();
    this.log = options.log ?? logToStderr;
    this.flushMs = options.streamFlushMs ?? 50;
  }

  /** Starts the socket thread; resolves once all sockets are bound. */
  start(): Promise<void> {
    // Before anything can raise SIGINT (interrupt_request raises it as soon as the sockets are bound).
    this.installProcessHandlers();
    return startTransport(this.connection, this.session, this.username, this.kernelInfo, (m) => this.onWorkerMessage(m), (w) => (this.worker = w)).then((worker) => {
      worker.on("error", (e) => this.log(`socket thread failed: ${e.stack ?? e}`));
    });
  }

  /** Registers a comm target (comm_open with this target_name is accepted). */
  registerCommTarget(name: string, handler: CommHandler): void {
    this.commTargets.set(name, handler);
  }

  // ---- process-wide handlers -------------------------------------------------

  private installProcessHandlers(): void {
    process.on("SIGINT", () => this.interrupt());
    const report = (kind: string, e: unknown) => {
      // The executor may route these to the right cell itself; then it is in charge.
      if (process.listenerCount(kind) > 1) return;
      const cell = this.currentCell ?? this.lastCell;
      const text = e instanceof Error ? e.stack ?? `${e.name}: ${e.message}` : `${kind === "unhandledRejection" ? "Unhandled rejection" : "Uncaught"}: ${String(e)}`;
      this.log(`${kind}: ${text}`);
      if (cell) {
        try {
          cell.stream("stderr", (kind === "unhandledRejection" ? "Unhandled promise rejection: " : "Uncaught exception: ") + text + "\n");
        } catch {
          /* never let reporting throw */
        }
      }
    };
    process.on("uncaughtException", (e) => report("uncaughtException", e));
    process.on("unhandledRejection", (e) => report("unhandledRejection", e));
  }

  /** Interrupts the running cell (SIGINT, or interrupt_request through the socket thread). */
  interrupt(): void {
    if (this.pendingInput) {
      const p = this.pendingInput;
      this.pendingInput = null;
      p.reject(new KeyboardInterrupt());
    }
    try {
      this.executor.interrupt();
    } catch (e) {
      this.log(`executor.interrupt failed: ${(e as Error).stack ?? e}`);
    }
  }

  // ---- sending ---------------------------------------------------------------

  // Note [Corked posts]: each postMessage to the socket thread cost about 0.1-0.2 ms, and a
  // trivial cell made five (busy, execute_input, execute_result, execute_reply, idle). The
  // messages a request produces together are collected and posted as one batch: those before
  // the cell runs (sent before it starts, so a front end sees `busy` at once) and those after.
  private corked: Array<{ channel: Channel; msg: PortMessage }> | null = null;

  private cork(): void {
    if (this.corked === null) this.corked = [];
  }

  private uncork(): void {
    const items = this.corked;
    this.corked = null;
    if (items === null || items.length === 0 || !this.worker || this.closed) return;
    if (items.length > 1) {
      try {
        this.worker.postMessage({ kind: "batch", items: items.map((i) => ({ kind: "send" as const, channel: i.channel, msg: i.msg })) } satisfies ToWorker);
        return;
      } catch {
        // something in one message cannot be cloned: post them one by one (with post's fallback)
      }
    }
    for (const i of items) this.postNow(i.channel, i.msg);
  }

  private post(channel: Channel, msg: Message): void {
    if (!this.worker || this.closed) return;
    const m: PortMessage = {
      identities: msg.identities,
      header: msg.header,
      parent_header: msg.parent_header,
      metadata: msg.metadata,
      content: msg.content,
      buffers: msg.buffers,
    };
    if (this.corked !== null) this.corked.push({ channel, msg: m });
    else this.postNow(channel, m);
  }

  private postNow(channel: Channel, m: PortMessage): void {
    if (!this.worker || this.closed) return;
    try {
      this.worker.postMessage({ kind: "send", channel, msg: m } satisfies ToWorker);
    } catch (e) {
      // content that cannot be cloned (functions in a bundle...): send it through JSON
      try {
        m.content = JSON.parse(JSON.stringify(m.content ?? {}));
        m.metadata = JSON.parse(JSON.stringify(m.metadata ?? {}));
        this.worker.postMessage({ kind: "send", channel, msg: m } satisfies ToWorker);
      } catch {
        this.log(`cannot send ${(m.header as MessageHeader).msg_type}: ${(e as Error).message}`);
      }
    }
  }

  private headerOpts() {
    return { session: this.session, username: this.username };
  }

  /** Publishes an iopub message parented to `parent`. */
  publish(msgType: string, content: Record<string, unknown>, parent: Message | null): void {
    this.post("iopub", makeMessage(msgType, content, parent?.header ?? {}, this.headerOpts()));
  }

  private status(state: "busy" | "idle", parent: Message): void {
    this.publish("status", { execution_state: state }, parent);
  }

  private reply(channel: "shell" | "control", req: Message, type: string, content: Record<string, unknown>, metadata: Record<string, unknown> = {}): void {
    this.post(channel, makeMessage(type, content, req.header, { ...this.headerOpts(), identities: req.identities, metadata }));
  }

  /** Sends input_request on stdin (to the requester's identities) and waits for input_reply. */
  requestInput(parent: Message, prompt: string, password: boolean): Promise<string> {
    if (this.pendingInput) this.pendingInput.reject(new Error("superseded by another input request"));
    return new Promise<string>((resolve, reject) => {
      this.pendingInput = { resolve, reject };
      this.post("stdin", makeMessage("input_request", { prompt, password }, parent.header, { ...this.headerOpts(), identities: parent.identities }));
    });
  }

  // ---- receiving -------------------------------------------------------------

  private onWorkerMessage(m: FromWorker): void {
    if (m.kind === "closed") {
      this.resolveClosed?.();
      return;
    }
    if (m.kind !== "msg") {
      if (m.kind === "fatal") this.log(`socket thread: ${m.message}`);
      return;
    }
    const msg = fromPort(m.msg);
    try {
      if (m.channel === "shell") {
        this.shellQueue.push({ msg, receivedAt: m.receivedAt });
        void this.drainShell();
      } else if (m.channel === "control") void this.handleControl(msg);
      else this.handleStdin(msg);
    } catch (e) {
      this.log(`error on ${m.channel} ${msg.header.msg_type}: ${(e as Error).stack ?? e}`);
    }
  }

  private handleStdin(msg: Message): void {
    if (msg.header.msg_type !== "input_reply") {
      this.log(`ignored ${msg.header.msg_type} on stdin`);
      return;
    }
    const p = this.pendingInput;
    if (!p) return;
    this.pendingInput = null;
    const c = msg.content ?? {};
    if (c.status === "error") p.reject(new Error(String(c.evalue ?? "input failed")));
    else p.resolve(typeof c.value === "string" ? c.value : String(c.value ?? ""));
  }

  private async drainShell(): Promise<void> {
    if (this.shellBusy) return;
    this.shellBusy = true;
    try {
      while (this.shellQueue.length > 0 && !this.closed) {
        const { msg, receivedAt } = this.shellQueue.shift()!;
        try {
          await this.handleShell(msg, receivedAt);
        } catch (e) {
          this.log(`error handling ${msg.header.msg_type}: ${(e as Error).stack ?? e}`);
          this.status("idle", msg);
        }
      }
    } finally {
      this.shellBusy = false;
    }
  }

  private async handleShell(msg: Message, receivedAt: number): Promise<void> {
    const type = msg.header.msg_type;
    this.cork();  // Note [Corked posts]
    this.status("busy", msg);
    try {
      // Requests that were already sent when a cell failed (their client had not
      // seen the error reply yet) are aborted; later ones run.
      if (type === "execute_request" && receivedAt <= this.abortBefore) {
        this.reply("shell", msg, "execute_reply", { status: "aborted", execution_count: this.executionCount }, { status: "aborted" });
        return;
      }
      switch (type) {
        case "execute_request":
          await this.execute(msg);
          return;
        case "kernel_info_request":
          this.reply("shell", msg, "kernel_info_reply", this.kernelInfo);
          return;
        case "complete_request":
          this.complete(msg);
          return;
        case "inspect_request":
          this.inspect(msg);
          return;
        case "is_complete_request":
          this.isComplete(msg);
          return;
        case "history_request":
          this.historyRequest(msg);
          return;
        case "comm_info_request":
          this.commInfo(msg);
          return;
        case "comm_open":
        case "comm_msg":
        case "comm_close":
          this.comm(msg);
          return;
        case "shutdown_request": // allowed on shell by older clients
          await this.shutdown(msg, "shell");
          return;
        default:
          this.log(`unknown message type on shell: ${JSON.stringify(type)} (ignored)`);
      }
    } finally {
      if (!(type === "shutdown_request")) this.status("idle", msg);
      this.uncork();
    }
  }

  private async handleControl(msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    if (type === "shutdown_request") return this.shutdown(msg, "control");
    this.status("busy", msg);
    try {
      switch (type) {
        case "kernel_info_request":
          this.reply("control", msg, "kernel_info_reply", this.kernelInfo);
          break;
        case "interrupt_request":
          this.interrupt();
          this.reply("control", msg, "interrupt_reply", { status: "ok" });
          break;
        default:
          this.log(`unknown message type on control: ${JSON.stringify(type)} (ignored)`);
      }
    } finally {
      this.status("idle", msg);
    }
  }

  // ---- requests --------------------------------------------------------------

  private async execute(msg: Message): Promise<void> {
    const c = msg.content ?? {};
    const code = typeof c.code === "string" ? c.code : String(c.code ?? "");
    const silent = c.silent === true;
    const storeHistory = silent ? false : c.store_history !== false;
    const allowStdin = c.allow_stdin !== false;
    const stopOnError = c.stop_on_error !== false;
    const userExpressions = c.user_expressions && typeof c.user_expressions === "object" ? (c.user_expressions as Record<string, unknown>) : {};
    const started = new Date().toISOString();

    const count = storeHistory ? ++this.executionCount : this.executionCount;
    if (storeHistory) this.history.store(count, code);
    if (!silent) this.publish("execute_input", { code, execution_count: count }, msg);
    // busy and execute_input leave before the cell runs; what the cell sends goes out as it comes.
    this.uncork();

    const io = new CellOutput(this, msg, silent, allowStdin, this.flushMs);
    this.currentCell = io;
    this.lastCell = io;
    let outcome: ExecuteOutcome;
    try {
      outcome = await this.executor.execute(code, io);
      if (!outcome || typeof outcome !== "object") outcome = { status: "ok" };
    } catch (e) {
      outcome = { status: "error", error: errorFields(e) };
    } finally {
      if (this.currentCell === io) this.currentCell = null;
    }
    this.cork();  // the last output, the result, the reply and idle go together
    io.flush();

    if (outcome.status === "error") {
      const err = outcome.error ?? { ename: "Error", evalue: "cell failed", traceback: [] };
      const errContent = { ename: String(err.ename), evalue: String(err.evalue), traceback: (err.traceback ?? []).map(String) };
      if (!silent) this.publish("error", errContent, msg);
      this.reply("shell", msg, "execute_reply", { status: "error", execution_count: count, ...errContent, payload: [], user_expressions: {} }, {
        started,
        status: "error",
        dependencies_met: true,
        engine: this.session,
      });
      if (stopOnError) this.abortBefore = preciseNow();
      return;
    }

    if (outcome.result && !silent) {
      this.publish("execute_result", { execution_count: count, data: outcome.result, metadata: {} }, msg);
      const text = outcome.result["text/plain"];
      if (storeHistory && typeof text === "string") this.history.setOutput(count, text);
    }
    const expressions = await this.userExpressions(userExpressions);
    this.reply(
      "shell",
      msg,
      "execute_reply",
      { status: "ok", execution_count: count, payload: outcome.payload ?? [], user_expressions: expressions },
      { started, status: "ok", dependencies_met: true, engine: this.session },
    );
  }

  private async userExpressions(exprs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const sink: CellIO = {
      stream() {},
      display() {},
      clearOutput() {},
      input: () => Promise.reject(new Error("input is not available in user_expressions")),
    };
    for (const [name, expr] of Object.entries(exprs)) {
      try {
        const r = await this.executor.execute(String(expr), sink);
        if (r.status === "ok") out[name] = { status: "ok", data: r.result ?? { "text/plain": "undefined" }, metadata: {} };
        else out[name] = { status: "error", ...(r.error ?? { ename: "Error", evalue: "", traceback: [] }) };
      } catch (e) {
        out[name] = { status: "error", ...errorFields(e) };
      }
    }
    return out;
  }

  private replyError(channel: "shell" | "control", msg: Message, type: string, e: unknown): void {
    const err = errorFields(e);
    this.log(`${msg.header.msg_type} failed: ${err.evalue}`);
    this.reply(channel, msg, type, { status: "error", ...err });
  }

  private complete(msg: Message): void {
    const code = String(msg.content.code ?? "");
    const cp = typeof msg.content.cursor_pos === "number" ? msg.content.cursor_pos : [...code].length;
    try {
      const r = this.executor.complete(code, codePointsToUtf16(code, cp));
      this.reply("shell", msg, "complete_reply", {
        status: "ok",
        matches: r.matches ?? [],
        cursor_start: utf16ToCodePoints(code, r.cursor_start),
        cursor_end: utf16ToCodePoints(code, r.cursor_end),
        metadata: r.metadata ?? {},
      });
    } catch (e) {
      this.replyError("shell", msg, "complete_reply", e);
    }
  }

  private inspect(msg: Message): void {
    const code = String(msg.content.code ?? "");
    const cp = typeof msg.content.cursor_pos === "number" ? msg.content.cursor_pos : [...code].length;
    const detail = typeof msg.content.detail_level === "number" ? msg.content.detail_level : 0;
    try {
      const r = this.executor.inspect(code, codePointsToUtf16(code, cp), detail);
      this.reply("shell", msg, "inspect_reply", { status: "ok", found: !!r.found, data: r.data ?? {}, metadata: r.metadata ?? {} });
    } catch (e) {
      this.replyError("shell", msg, "inspect_reply", e);
    }
  }

  private isComplete(msg: Message): void {
    try {
      const r = this.executor.isComplete(String(msg.content.code ?? ""));
      const content: Record<string, unknown> = { status: r.status };
      if (r.status === "incomplete") content.indent = r.indent ?? "";
      this.reply("shell", msg, "is_complete_reply", content);
    } catch (e) {
      this.replyError("shell", msg, "is_complete_reply", e);
    }
  }

  private historyRequest(msg: Message): void {
    try {
      this.reply("shell", msg, "history_reply", { status: "ok", history: this.history.query(msg.content) });
    } catch (e) {
      this.replyError("shell", msg, "history_reply", e);
    }
  }

  private commInfo(msg: Message): void {
    const target = typeof msg.content.target_name === "string" ? msg.content.target_name : null;
    const comms: Record<string, { target_name: string }> = {};
    for (const [id, name] of this.comms) if (target === null || name === target) comms[id] = { target_name: name };
    this.reply("shell", msg, "comm_info_reply", { status: "ok", comms });
  }

  private comm(msg: Message): void {
    const c = msg.content ?? {};
    const id = typeof c.comm_id === "string" ? c.comm_id : "";
    const call = (f: ((id: string, data: unknown, msg: Message) => void) | undefined) => {
      try {
        f?.(id, c.data, msg);
      } catch (e) {
        this.log(`comm handler failed: ${(e as Error).stack ?? e}`);
      }
    };
    switch (msg.header.msg_type) {
      case "comm_open": {
        const target = String(c.target_name ?? "");
        const handler = this.commTargets.get(target);
        if (!id) return;
        if (!handler) {
          this.log(`no comm target ${JSON.stringify(target)}: closing comm ${id}`);
          this.publish("comm_close", { comm_id: id, data: {} }, msg);
          return;
        }
        this.comms.set(id, target);
        call(handler.open?.bind(handler));
        return;
      }
      case "comm_msg": {
        const target = this.comms.get(id);
        if (target === undefined) return this.log(`comm_msg for unknown comm ${id}`);
        const h = this.commTargets.get(target);
        call(h?.msg?.bind(h));
        return;
      }
      case "comm_close": {
        const target = this.comms.get(id);
        this.comms.delete(id);
        if (target === undefined) return;
        const h = this.commTargets.get(target);
        call(h?.close?.bind(h));
        return;
      }
    }
  }

  private async shutdown(msg: Message, channel: "shell" | "control"): Promise<void> {
    const restart = msg.content?.restart === true;
    this.status("busy", msg);
    try {
      this.executor.close();
    } catch (e) {
      this.log(`executor.close failed: ${(e as Error).stack ?? e}`);
    }
    this.reply(channel, msg, "shutdown_reply", { status: "ok", restart });
    this.status("idle", msg);
    this.uncork();  // before the sockets close
    await this.close();
    (this.options.onShutdown ?? (() => process.exit(0)))(restart);
  }

  /** Closes the sockets (after sending what is queued) and stops the socket thread. */
  close(): Promise<void> {
    if (this.closedPromise) return this.closedPromise;
    this.closedPromise = (async () => {
      const worker = this.worker;
      if (!worker) return;
      const done = new Promise<void>((r) => (this.resolveClosed = r));
      worker.postMessage({ kind: "close" } satisfies ToWorker);
      await Promise.race([done, new Promise((r) => setTimeout(r, 4000))]);
      this.closed = true;
      await worker.terminate();
      this.worker = null;
    })();
    return this.closedPromise;
  }
}

function fromPort(m: PortMessage): Message {
  const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    identities: m.identities.map(buf),
    header: m.header as MessageHeader,
    parent_header: m.parent_header ?? {},
    metadata: m.metadata ?? {},
    content: m.content ?? {},
    buffers: (m.buffers ?? []).map(buf),
  };
}

function startTransport(
  connection: ConnectionInfo,
  session: string,
  username: string,
  kernelInfo: Record<string, unknown>,
  onMessage: (m: FromWorker) => void,
  onReady: (w: Worker) => void,
): Promise<Worker> {
  const data: TransportData = { torchlabTransport: true, connection, session, username, kernelInfo };
  const file = path.join(__dirname, "transport.js");
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: data, stdout: false, stderr: false });
    const onStartMessage = (m: FromWorker) => {
      if (m.kind === "ready") {
        cleanup();
        onReady(worker);
        worker.on("message", onMessage); // before any later message can arrive
        resolve(worker);
      } else if (m.kind === "fatal") {
        cleanup();
        void worker.terminate();
        reject(new Error(m.message));
      }
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the socket thread exited (${code}) before binding`));
    };
    const cleanup = () => {
      worker.off("message", onStartMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    worker.on("message", onStartMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}
