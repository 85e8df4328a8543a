/**
 * The kernel's socket thread: a worker_threads Worker that owns all five
 * zeromq sockets, so that the heartbeat, kernel_info on control and
 * interrupt_request keep working while the main thread is stuck in a
 * synchronous cell (`while (true) {}` blocks the main event loop; zeromq has no
 * built-in echo for Jupyter's REQ/REP heartbeat).
 *
 *   main thread (server.ts)              this worker
 *   -----------------------              -----------
 *   {kind:"send", channel, msg}   --->   sign, frame, send on shell/control/stdin/iopub
 *   {kind:"msg", channel, msg}    <---   verified, decoded shell/stdin/control messages
 *   {kind:"close"}                --->   close sockets (with linger), reply {kind:"closed"}
 *
 * Handled here without the main thread:
 *   - heartbeat: REP echo;
 *   - control kernel_info_request: answered from the static content given at start;
 *   - control interrupt_request: busy, SIGINT to this process (the main thread's
 *     SIGINT listener calls executor.interrupt(); an executor running code with
 *     vm's breakOnSigint breaks out of a synchronous loop), reply, idle;
 *   - control shutdown_request is forwarded; if the main thread does not answer
 *     within a few seconds (a blocked cell), this thread replies and ends the process.
 * Messages with bad signatures or broken frames are logged to stderr and dropped.
 */
import * as fs from "fs";
import { performance } from "perf_hooks";
import { parentPort, workerData } from "worker_threads";
import { ConnectionInfo, Message, Signer, WireError, decodeMessage, encodeMessage, endpoint, makeMessage } from "./wire";

export interface TransportData {
  torchlabTransport: true;
  connection: ConnectionInfo;
  session: string;
  username: string;
  kernelInfo: Record<string, unknown>;
  /** ms the worker waits for the main thread to finish a shutdown_request before ending the process itself */
  shutdownGraceMs?: number;
}

/** A message as it crosses the thread boundary (Buffers arrive as Uint8Arrays). */
export interface PortMessage {
  identities: Uint8Array[];
  header: Message["header"];
  parent_header: Message["parent_header"];
  metadata: Message["metadata"];
  content: Message["content"];
  buffers: Uint8Array[];
}

type SendItem = { kind: "send"; channel: "shell" | "control" | "stdin" | "iopub"; msg: PortMessage };
/** `batch`: messages the main thread produced together, sent in order (one postMessage instead of several). */
export type ToWorker = SendItem | { kind: "batch"; items: SendItem[] } | { kind: "close" };
export type FromWorker =
  | { kind: "ready" }
  | { kind: "fatal"; message: string }
  /** `receivedAt`: when the socket thread received it (performance.timeOrigin + now(), ms) */
  | { kind: "msg"; channel: "shell" | "control" | "stdin"; msg: PortMessage; receivedAt: number }
  | { kind: "closed" };

/** A clock shared by the threads (ms since the epoch, sub-millisecond). */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

export const toBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/**
 * Kernel logs go straight to file descriptor 2: the executor patches
 * process.stderr.write to route cell output, and a worker's process.stderr is
 * piped through the main thread's, so a log line could land in a notebook.
 */
export function logToStderr(text: string): void {
  try {
    fs.writeSync(2, `[torchlab kernel] ${text}\n`);
  } catch {
    /* stderr closed: nowhere to log */
  }
}
const log = logToStderr;

async function runTransport(data: TransportData): Promise<void> {
  // zeromq is loaded here only: the main thread never touches it.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const zmq = require("zeromq") as typeof import("zeromq");
  const port = parentPort!;
  const conn = data.connection;
  const signer = new Signer(conn.key, conn.signature_scheme);
  const headerOpts = { session: data.session, username: data.username };

  const linger = 1000;
  const shell = new zmq.Router({ linger });
  const control = new zmq.Router({ linger });
  const stdin = new zmq.Router({ linger });
  const iopub = new zmq.Publisher({ linger });
  const hb = new zmq.Reply({ linger: 0 });
  const sockets = [shell, control, stdin, iopub, hb];
  let closing = false;

  try {
    await Promise.all([
      shell.bind(endpoint(conn, "shell")),
      control.bind(endpoint(conn, "control")),
      stdin.bind(endpoint(conn, "stdin")),
      iopub.bind(endpoint(conn, "iopub")),
      hb.bind(endpoint(conn, "hb")),
    ]);
  } catch (e) {
    port.postMessage({ kind: "fatal", message: `cannot bind the kernel's sockets: ${(e as Error).message}` } satisfies FromWorker);
    for (const s of sockets) s.close();
    return;
  }

  // Sends are queued per socket so that frames leave in the order they were asked for.
  const queues = new Map<object, Promise<void>>();
  const send = (sock: import("zeromq").Router | import("zeromq").Publisher, frames: Buffer[]): Promise<void> => {
    const prev = queues.get(sock) ?? Promise.resolve();
    const next = prev.then(async () => {
      if (closing && sock.closed) return;
      try {
        await sock.send(frames);
      } catch (e) {
        if (!sock.closed) log(`send failed: ${(e as Error).message}`);
      }
    });
    queues.set(sock, next);
    return next;
  };
  const socketOf = { shell, control, stdin, iopub } as const;
  const sendMessage = (channel: keyof typeof socketOf, msg: PortMessage | Message): Promise<void> => {
    const frames = encodeMessage(
      {
        identities: msg.identities.map(toBuffer),
        header: msg.header,
        parent_header: msg.parent_header,
        metadata: msg.metadata,
        content: msg.content,
        buffers: msg.buffers.map(toBuffer),
      },
      signer,
    );
    return send(socketOf[channel], frames);
  };
  const status = (state: "busy" | "idle", parent: Message) =>
    sendMessage("iopub", makeMessage("status", { execution_state: state }, parent.header, headerOpts));
  const reply = (req: Message, type: string, content: Record<string, unknown>) =>
    sendMessage("control", makeMessage(type, content, req.header, { ...headerOpts, identities: req.identities }));

  let shutdownTimer: NodeJS.Timeout | undefined;

  const closeAll = async () => {
    if (closing) return;
    closing = true;
    if (shutdownTimer) clearTimeout(shutdownTimer);
    // let queued sends leave before closing (linger covers what is still in zeromq)
    await Promise.race([Promise.all([...queues.values()]), new Promise((r) => setTimeout(r, 2000))]);
    for (const s of sockets) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  };

  const handleControl = async (msg: Message) => {
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        await status("busy", msg);
        await reply(msg, "kernel_info_reply", data.kernelInfo);
        await status("idle", msg);
        return;
      case "interrupt_request":
        await status("busy", msg);
        try {
          process.kill(process.pid, "SIGINT");
          await reply(msg, "interrupt_reply", { status: "ok" });
        } catch (e) {
          await reply(msg, "interrupt_reply", { status: "error", ename: "InterruptError", evalue: (e as Error).message, traceback: [] });
        }
        await status("idle", msg);
        return;
      case "shutdown_request": {
        port.postMessage({ kind: "msg", channel: "control", msg, receivedAt: preciseNow() } satisfies FromWorker);
        const grace = data.shutdownGraceMs ?? 3000;
        shutdownTimer = setTimeout(async () => {
          // The main thread is stuck (a synchronous cell): answer and end the process from here.
          log("the main thread did not finish shutdown in time; exiting from the socket thread");
          await reply(msg, "shutdown_reply", { status: "ok", restart: !!msg.content.restart });
          await status("idle", msg);
          // close() does not wait for zeromq's I/O thread: give it time to write the reply
          await new Promise((r) => setTimeout(r, 300));
          await closeAll();
          await new Promise((r) => setTimeout(r, 200));
          process.kill(process.pid, "SIGKILL");
        }, grace);
        return;
      }
      default:
        port.postMessage({ kind: "msg", channel: "control", msg, receivedAt: preciseNow() } satisfies FromWorker);
    }
  };

  const receiveLoop = async (channel: "shell" | "control" | "stdin", sock: import("zeromq").Router) => {
    try {
      for await (const frames of sock) {
        let msg: Message;
        let receivedAt: number;
        try {
          receivedAt = preciseNow();
          msg = decodeMessage(frames, signer);
        } catch (e) {
          if (e instanceof WireError) log(`dropped a message on ${channel}: ${e.message}`);
          else log(`dropped a message on ${channel}: ${(e as Error).stack ?? e}`);
          continue;
        }
        try {
          if (channel === "control") await handleControl(msg);
          else port.postMessage({ kind: "msg", channel, msg, receivedAt } satisfies FromWorker);
        } catch (e) {
          log(`error handling ${msg.header.msg_type} on ${channel}: ${(e as Error).stack ?? e}`);
        }
      }
    } catch (e) {
      if (!closing) log(`${channel} socket failed: ${(e as Error).message}`);
    }
  };

  const heartbeat = async () => {
    try {
      for await (const frames of hb) await hb.send(frames);
    } catch (e) {
      if (!closing) log(`heartbeat socket failed: ${(e as Error).message}`);
    }
  };

  port.on("message", async (m: ToWorker) => {
    try {
      if (m.kind === "send") await sendMessage(m.channel, m.msg);
      else if (m.kind === "batch") {
        for (const item of m.items) await sendMessage(item.channel, item.msg);
      } else if (m.kind === "close") {
        await closeAll();
        port.postMessage({ kind: "closed" } satisfies FromWorker);
      }
    } catch (e) {
      log(`transport error: ${(e as Error).stack ?? e}`);
    }
  });

  void receiveLoop("shell", shell);
  void receiveLoop("control", control);
  void receiveLoop("stdin", stdin);
  void heartbeat();
  port.postMessage({ kind: "ready" } satisfies FromWorker);
}

if (parentPort && workerData && (workerData as TransportData).torchlabTransport) {
  process.on("uncaughtException", (e) => log(`socket thread: uncaught ${(e as Error)?.stack ?? e}`));
  process.on("unhandledRejection", (e) => log(`socket thread: unhandled rejection ${(e as Error)?.stack ?? e}`));
  runTransport(workerData as TransportData).catch((e) => {
    parentPort!.postMessage({ kind: "fatal", message: String((e as Error)?.stack ?? e) } satisfies FromWorker);
  });
}
