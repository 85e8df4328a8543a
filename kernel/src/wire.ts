/**
 * The Jupyter wire protocol (messaging spec 5.3): connection files, message
 * headers, and the multipart framing with its HMAC signature. Pure functions;
 * no sockets here (transport.ts owns them), so both the kernel and the test
 * client use this file.
 *
 *   [identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]
 */
import { createHmac, randomUUID, timingSafeEqual } from "crypto";
import * as fs from "fs";
import * as os from "os";

export const PROTOCOL_VERSION = "5.3";
export const DELIMITER = "<IDS|MSG>";
const DELIMITER_BUF = Buffer.from(DELIMITER);

/** The fields of a kernel connection file that the kernel uses. */
export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export type Channel = "shell" | "iopub" | "stdin" | "control" | "hb";

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [k: string]: unknown;
}

/** A decoded message. `parent_header` is `{}` when there is none. */
export interface Message<C = Record<string, any>> {
  identities: Buffer[];
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, any>;
  content: C;
  buffers: Buffer[];
}

/** Raised for frames that cannot be a message (the kernel logs and drops them). */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

/** Reads and validates a connection file. An empty key means unsigned messages. */
export function readConnectionFile(file: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`cannot read connection file ${file}: ${(e as Error).message}`);
  }
  return parseConnectionInfo(raw, file);
}

export function parseConnectionInfo(raw: unknown, origin = "connection info"): ConnectionInfo {
  if (raw === null || typeof raw !== "object") throw new Error(`${origin}: not a JSON object`);
  const o = raw as Record<string, unknown>;
  const transport = (o.transport ?? "tcp") as string;
  if (transport !== "tcp" && transport !== "ipc") throw new Error(`${origin}: unsupported transport "${transport}" (tcp or ipc)`);
  const ip = typeof o.ip === "string" && o.ip !== "" ? o.ip : "127.0.0.1";
  const port = (name: string): number => {
    const v = o[name];
    const n = typeof v === "string" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${origin}: ${name} must be a port number, got ${JSON.stringify(v)}`);
    return n;
  };
  const key = o.key === undefined || o.key === null ? "" : String(o.key);
  const scheme = o.signature_scheme === undefined || o.signature_scheme === null || o.signature_scheme === "" ? "hmac-sha256" : String(o.signature_scheme);
  if (scheme !== "hmac-sha256") {
    throw new Error(`${origin}: unsupported signature_scheme "${scheme}"; this kernel supports "hmac-sha256" only (an empty key disables signing)`);
  }
  return {
    transport,
    ip,
    shell_port: port("shell_port"),
    iopub_port: port("iopub_port"),
    stdin_port: port("stdin_port"),
    control_port: port("control_port"),
    hb_port: port("hb_port"),
    key,
    signature_scheme: scheme,
    kernel_name: typeof o.kernel_name === "string" ? o.kernel_name : undefined,
  };
}

/** The zeromq endpoint of one channel ("tcp://ip:port", or "ipc://ip-N" as jupyter_client names ipc files). */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = { shell: info.shell_port, iopub: info.iopub_port, stdin: info.stdin_port, control: info.control_port, hb: info.hb_port }[channel];
  if (info.transport === "ipc") return `ipc://${info.ip}-${port}`;
  const host = info.ip.includes(":") && !info.ip.startsWith("[") ? `[${info.ip}]` : info.ip;
  return `tcp://${host}:${port}`;
}

/** Signs and verifies message frames with the connection key. */
export class Signer {
  private readonly key: Buffer;
  constructor(key: string, readonly scheme = "hmac-sha256") {
    if (scheme !== "hmac-sha256") throw new Error(`unsupported signature_scheme "${scheme}"`);
    this.key = Buffer.from(key, "utf8");
  }
  get enabled(): boolean {
    return this.key.length > 0;
  }
  /** The hex HMAC of the frames (header, parent_header, metadata, content, buffers...), or "" when unsigned. */
  sign(frames: Array<Buffer | string>): string {
    if (!this.enabled) return "";
    const h = createHmac("sha256", this.key);
    for (const f of frames) h.update(f);
    return h.digest("hex");
  }
  /** Constant-time check of a signature; with no key every signature is accepted. */
  verify(signature: Buffer | string, frames: Array<Buffer | string>): boolean {
    if (!this.enabled) return true;
    const expected = Buffer.from(this.sign(frames), "latin1");
    const got = Buffer.isBuffer(signature) ? signature : Buffer.from(signature, "latin1");
    if (got.length !== expected.length) return false;
    return timingSafeEqual(got, expected);
  }
}

const SESSION = randomUUID();

export interface HeaderOptions {
  session?: string;
  username?: string;
}

/** A fresh header: msg_id (uuid), session, username, date (ISO 8601), msg_type, version 5.3. */
export function makeHeader(msgType: string, opts: HeaderOptions = {}): MessageHeader {
  let username = opts.username;
  if (username === undefined) {
    try {
      username = os.userInfo().username;
    } catch {
      username = process.env.USER ?? "kernel";
    }
  }
  return {
    msg_id: randomUUID(),
    session: opts.session ?? SESSION,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** Builds a message (not yet framed). */
export function makeMessage<C>(
  msgType: string,
  content: C,
  parent?: Partial<MessageHeader> | null,
  opts: HeaderOptions & { identities?: Buffer[]; metadata?: Record<string, any>; buffers?: Buffer[] } = {},
): Message<C> {
  return {
    identities: opts.identities ?? [],
    header: makeHeader(msgType, opts),
    parent_header: parent ?? {},
    metadata: opts.metadata ?? {},
    content,
    buffers: opts.buffers ?? [],
  };
}

/** Safe JSON: never throws on cycles or BigInt (they become strings). */
export function toJSON(value: unknown): string {
  try {
    return JSON.stringify(value ?? {}, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value ?? {}, (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v !== null && typeof v === "object") {
        if (seen.has(v)) return "[Circular]";
        seen.add(v);
      }
      return v;
    });
  }
}

/** Frames a message for sending: identities, delimiter, signature, four JSON parts, buffers. */
export function encodeMessage(msg: Pick<Message, "header" | "parent_header" | "metadata" | "content"> & { identities?: Buffer[]; buffers?: Buffer[] }, signer: Signer): Buffer[] {
  const parts = [
    Buffer.from(toJSON(msg.header)),
    Buffer.from(toJSON(msg.parent_header ?? {})),
    Buffer.from(toJSON(msg.metadata ?? {})),
    Buffer.from(toJSON(msg.content ?? {})),
  ];
  const buffers = (msg.buffers ?? []).map((b) => (Buffer.isBuffer(b) ? b : Buffer.from(b as Uint8Array)));
  const signature = signer.sign([...parts, ...buffers]);
  return [...(msg.identities ?? []), DELIMITER_BUF, Buffer.from(signature), ...parts, ...buffers];
}

function parseJSONFrame(frame: Buffer, what: string): Record<string, any> {
  let v: unknown;
  try {
    v = JSON.parse(frame.toString("utf8"));
  } catch {
    throw new WireError(`${what} is not valid JSON`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new WireError(`${what} is not a JSON object`);
  return v as Record<string, any>;
}

/**
 * Parses frames into a message; throws WireError for a missing delimiter,
 * missing parts, a bad signature, invalid JSON or a header without msg_type.
 */
export function decodeMessage(frames: Buffer[], signer: Signer): Message {
  const idx = frames.findIndex((f) => f.length === DELIMITER_BUF.length && f.equals(DELIMITER_BUF));
  if (idx < 0) throw new WireError("no <IDS|MSG> delimiter");
  if (frames.length < idx + 6) throw new WireError(`truncated message: ${frames.length - idx - 1} frames after the delimiter, need 5`);
  const identities = frames.slice(0, idx);
  const signature = frames[idx + 1];
  const parts = frames.slice(idx + 2, idx + 6);
  const buffers = frames.slice(idx + 6);
  if (!signer.verify(signature, [...parts, ...buffers])) throw new WireError("invalid signature");
  const header = parseJSONFrame(parts[0], "header") as MessageHeader;
  if (typeof header.msg_type !== "string" || header.msg_type === "") throw new WireError("header has no msg_type");
  if (typeof header.msg_id !== "string") header.msg_id = String(header.msg_id ?? "");
  return {
    identities,
    header,
    parent_header: parseJSONFrame(parts[1], "parent_header"),
    metadata: parseJSONFrame(parts[2], "metadata"),
    content: parseJSONFrame(parts[3], "content"),
    buffers,
  };
}
