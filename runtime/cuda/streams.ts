/**
 * CUDA streams and events (torch.cuda.Stream, Event, currentStream, stream).
 *
 * Note [Current streams]: every op on a GPU is queued on that GPU's current
 * stream (the addon's current_stream). Each GPU starts on its default stream
 * (token null); setStream / stream(s) make another stream current for its
 * GPU. Only this file changes the current stream, so it keeps a mirror of it
 * per GPU. When the addon is handed null for "the stream" it is the current
 * one; to act on the default stream while another is current, the default one
 * is made current for the call (onStream).
 */
import { Device, DeviceLike } from "../device";
import type { EventToken, StreamToken } from "../native";
import { cudaDevice, cudaNative, currentIndex, indexOf, setCurrentIndex } from "./driver";

const DEFAULT_STREAM: unique symbol = Symbol("default stream");
const defaults: Stream[] = [];
const current: Array<Stream | undefined> = [];

/** Options of {@link Stream}. */
export interface StreamOptions {
  /** accepted for PyTorch compatibility; every stream has the default priority */
  priority?: number;
}

/**
 * A queue of GPU work (`torch.cuda.Stream`): ops made current with
 * `torch.cuda.stream(s, fn)` run in order on it, concurrently with other streams.
 * @example const s = new torch.cuda.Stream(); torch.cuda.stream(s, () => x.mul(2)); s.synchronize();
 */
export class Stream {
  /** The GPU the stream belongs to. */
  readonly device: Device;
  /** @internal null for the default stream */
  readonly _token: StreamToken | null;

  /** A new stream on `device` (default: the current GPU). */
  constructor(device?: number | DeviceLike | null, options: StreamOptions = {}, /** @internal */ kind?: typeof DEFAULT_STREAM) {
    const i = indexOf(device, "Stream()");
    if (options.priority !== undefined && !Number.isInteger(options.priority))
      throw new TypeError(`Stream(): priority must be an integer, got ${String(options.priority)}`);
    this.device = cudaDevice(i);
    this._token = kind === DEFAULT_STREAM ? null : cudaNative().cudaStreamCreate(i);
  }

  /** @internal the default stream of GPU i */
  static _default(i: number): Stream {
    return (defaults[i] ??= new Stream(i, {}, DEFAULT_STREAM));
  }

  /** Waits until every op queued on this stream has finished. @example s.synchronize() */
  synchronize(): void {
    if (this._token !== null) cudaNative().cudaStreamSynchronize(this._token);
    else new Event().record(this).synchronize();
  }

  /** True when every op queued on this stream has finished. @example s.query() */
  query(): boolean {
    if (this._token !== null) return cudaNative().cudaStreamQuery(this._token);
    return new Event().record(this).query();
  }

  /**
   * Makes later work on this stream wait until the work recorded before `event`
   * is done (without blocking the host). An event never recorded is ignored.
   * @example side.waitEvent(e)
   */
  waitEvent(event: Event): void {
    if (!(event instanceof Event)) throw new TypeError("waitEvent(): expected a torch.cuda.Event");
    const e = event._token;
    if (e === null) return;
    // The addon names a default stream only as "the event's GPU's current stream".
    if (this._token === null && event.device !== this.device)
      throw new Error(`waitEvent(): the default stream of ${this.device} cannot wait for an event of ${event.device}; use a torch.cuda.Stream`);
    const n = cudaNative();
    if (n.cudaStreamWaitEvent === undefined) throw new Error("waitEvent(): this addon build has no cudaStreamWaitEvent; rebuild it");
    const wait = n.cudaStreamWaitEvent;
    onStream(this, (t) => wait.call(n, t, e));
  }

  /** Makes later work on this stream wait for the work queued so far on `other`. @example s.waitStream(torch.cuda.currentStream()) */
  waitStream(other: Stream): void {
    this.waitEvent(checkStream(other, "waitStream()").recordEvent());
  }

  /** Records an event on this stream (a new one when none is given) and returns it. @example const e = s.recordEvent(); */
  recordEvent(event?: Event): Event {
    return (event ?? new Event()).record(this);
  }

  /** True for the same stream. */
  equals(o: Stream): boolean {
    return o instanceof Stream && o._token === this._token && o.device === this.device;
  }

  toString(): string {
    return `<torch.cuda.Stream device=${this.device} ${this._token === null ? "default" : "created"}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** The stream ops on `device` (default: the current GPU) are queued on. @example torch.cuda.currentStream() */
export function currentStream(device?: number | DeviceLike | null): Stream {
  const i = indexOf(device, "currentStream()");
  return current[i] ?? Stream._default(i);
}

/** The default stream of `device` (default: the current GPU). @example torch.cuda.defaultStream() */
export function defaultStream(device?: number | DeviceLike | null): Stream {
  return Stream._default(indexOf(device, "defaultStream()"));
}

function checkStream(s: unknown, what: string): Stream {
  if (!(s instanceof Stream)) throw new TypeError(`${what}: expected a torch.cuda.Stream, got ${s === null ? "null" : typeof s}`);
  return s;
}

function makeCurrent(s: Stream): void {
  const i = s.device.index!;
  cudaNative().cudaSetCurrentStream(i, s._token);
  current[i] = s._token === null ? undefined : s;
}

/**
 * Makes `s` the current stream of its GPU, and its GPU the current device
 * (`torch.cuda.set_stream`).
 * @example torch.cuda.setStream(s)
 */
export function setStream(s: Stream): void {
  checkStream(s, "setStream()");
  setCurrentIndex(s.device.index!);
  makeCurrent(s);
}

/** What {@link stream} returns without a function: restores the previous stream and device when disposed. */
export class StreamContext {
  private readonly prevStream: Stream;
  private readonly prevDevice: number;
  private closed = false;

  constructor(s: Stream) {
    checkStream(s, "stream()");
    this.prevDevice = currentIndex();
    this.prevStream = currentStream(s.device.index!);
    setStream(s);
  }

  /** Restores the previous stream and device (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    makeCurrent(this.prevStream);
    setCurrentIndex(this.prevDevice);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Runs `fn` with `s` as the current stream (PyTorch's `with torch.cuda.stream(s)`),
 * or, without `fn`, makes it current until the returned scope is disposed
 * (`using _ = torch.cuda.stream(s)`). A promise returned by fn keeps the
 * stream current until it settles.
 * @example torch.cuda.stream(s, () => y.copy_(x)); { using _ = torch.cuda.stream(s); y.copy_(x); }
 */
export function stream(s: Stream): StreamContext;
export function stream<T>(s: Stream, fn: () => T): T;
export function stream<T>(s: Stream, fn?: () => T): T | StreamContext {
  const ctx = new StreamContext(s);
  if (fn === undefined) return ctx;
  return runIn(ctx, fn);
}

/** @internal runs fn, then closes ctx (after a returned promise settles) */
export function runIn<T>(ctx: { close(): void }, fn: () => T): T {
  let r: T;
  try {
    r = fn();
  } catch (e) {
    ctx.close();
    throw e;
  }
  if (r instanceof Promise) return r.finally(() => ctx.close()) as T;
  ctx.close();
  return r;
}

// Calls f with `s` current on its GPU when s is the default stream and another
// one is current (Note [Current streams]); otherwise passes s's token.
function onStream(s: Stream, f: (token: StreamToken | null) => void): void {
  const i = s.device.index!;
  const cur = current[i];
  if (s._token !== null || cur === undefined) {
    f(s._token);
    return;
  }
  const n = cudaNative();
  n.cudaSetCurrentStream(i, null);
  try {
    f(null);
  } finally {
    n.cudaSetCurrentStream(i, cur._token);
  }
}

/** Options of {@link Event}. */
export interface EventOptions {
  /** record times, for elapsedTime (default false) */
  enableTiming?: boolean;
  /** accepted for PyTorch compatibility; synchronize() always blocks the calling thread */
  blocking?: boolean;
}

/**
 * A marker in a stream (`torch.cuda.Event`): record it, then wait for it,
 * ask whether the work before it is done, or time the work between two.
 * @example
 * const start = new torch.cuda.Event({ enableTiming: true }), end = new torch.cuda.Event({ enableTiming: true });
 * start.record(); y = x.mm(x); end.record(); end.synchronize(); start.elapsedTime(end); // ms
 */
export class Event {
  /** True when made with enableTiming. */
  readonly enableTiming: boolean;
  /** @internal null until first recorded */
  _token: EventToken | null = null;
  private dev: Device | null = null;

  constructor(options: EventOptions = {}) {
    cudaNative();  // refuses at construction where CUDA cannot be used, as PyTorch does
    this.enableTiming = options.enableTiming ?? false;
  }

  /** The GPU of the stream it was first recorded on (null before that). */
  get device(): Device | null {
    return this.dev;
  }

  /** Records the event on `stream` (default: the current stream); returns this event. @example e.record() */
  record(stream?: Stream): this {
    const s = stream === undefined ? currentStream() : checkStream(stream, "Event.record()");
    const n = cudaNative();
    if (this._token === null) {
      this._token = n.cudaEventCreate(s.device.index!, this.enableTiming);
      this.dev = s.device;
    } else if (this.dev !== s.device) {
      throw new Error(`Event device ${this.dev} does not match recording stream's device ${s.device}.`);
    }
    const e = this._token;
    onStream(s, (t) => n.cudaEventRecord(e, t));
    return this;
  }

  /** Makes later work on `stream` (default: the current one) wait for this event. @example e.wait(side) */
  wait(stream?: Stream): void {
    (stream === undefined ? currentStream() : checkStream(stream, "Event.wait()")).waitEvent(this);
  }

  /** Waits until the work recorded before the event has finished (at once if never recorded). @example e.synchronize() */
  synchronize(): void {
    if (this._token !== null) cudaNative().cudaEventSynchronize(this._token);
  }

  /** True when the work recorded before the event has finished (true if never recorded). @example e.query() */
  query(): boolean {
    return this._token === null ? true : cudaNative().cudaEventQuery(this._token);
  }

  /**
   * Milliseconds between this event and `end` (both recorded with enableTiming; waits for `end`).
   * @example start.elapsedTime(end)
   */
  elapsedTime(end: Event): number {
    if (!(end instanceof Event)) throw new TypeError("elapsedTime(): expected a torch.cuda.Event");
    if (!this.enableTiming || !end.enableTiming) throw new Error("Both events must be created with argument 'enableTiming: true'.");
    if (this._token === null || end._token === null) throw new Error("Both events must be recorded before calculating elapsed time.");
    if (this.dev !== end.dev) throw new Error(`Both events must be recorded on the same device, got ${this.dev} and ${end.dev}.`);
    const n = cudaNative();
    n.cudaEventSynchronize(end._token);
    return n.cudaEventElapsedTime(this._token, end._token);
  }

  toString(): string {
    return `<torch.cuda.Event ${this._token === null ? "uninitialized" : `on ${this.dev}`}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
