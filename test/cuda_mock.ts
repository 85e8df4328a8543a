// A stand-in for the addon's cuda* entry points, in host memory, so that the
// TypeScript side of the CUDA backend (storages, copies between devices,
// .to(), autograd across devices, streams, memory statistics, the retry after
// an out-of-memory error) runs on machines without a GPU. A "block" wraps an
// ArrayBuffer; each op checks its buffer arguments the way the native side
// does (live blocks, all on one device) and then calls the CPU entry point of
// the same name, which shares the signatures and meta layouts.
//
// What it cannot imitate: token finalizers that run inside the garbage
// collector (FinalizationRegistry callbacks run later), so tests that need a
// dropped tensor's memory back at once only run on a real GPU.
import type { CudaAddon, CudaBlock, EventToken, NativeAddon, NativeBuffer, StreamToken } from "../runtime/native";

interface Block {
  mockBlock: true;
  buf: ArrayBuffer | null;
  device: number;
  bytes: number;
  ticket: { live: boolean };
}

interface DeviceState {
  allocated: number;
  peak: number;
  cached: number;
  activeBlocks: number;
  cachedBlocks: number;
  retries: number;
  ooms: number;
  stream: StreamToken | null;
}

export interface MockOptions {
  devices?: number;
  /** what cudaDriverInfo answers (default: a CUDA 13 driver) */
  driver?: { driverVersion: number; error: string | null };
  /** bytes each mock GPU holds */
  memory?: number;
}

/** Counters the tests read. */
export interface MockState {
  current: number;
  allocCalls: number;
  oomThrown: number;
  tf32: boolean;
  impl: string;
  devices: DeviceState[];
}

function live(v: unknown, what: string): Block {
  const b = v as Block;
  if (b === null || typeof b !== "object" || b.mockBlock !== true) throw new TypeError(`${what}: expected a CUDA block, got ${describe(v)}`);
  if (b.buf === null) throw new Error(`${what}: the CUDA block was freed`);
  return b;
}

function describe(v: unknown): string {
  if (v instanceof ArrayBuffer) return "an ArrayBuffer (a CPU buffer)";
  if (ArrayBuffer.isView(v)) return "a typed array (a CPU buffer)";
  return v === null ? "null" : typeof v;
}

/** Makes the cuda* entry points over `real` (the CPU addon). */
export function makeMockCuda(real: NativeAddon, options: MockOptions = {}): { cuda: CudaAddon; state: MockState } {
  const count = options.devices ?? 2;
  // Without devices every query fails as the CUDA runtime does.
  const memory = options.memory ?? 64 * 1048576;
  const state: MockState = {
    current: 0, allocCalls: 0, oomThrown: 0, tf32: false, impl: "fallback",
    devices: Array.from({ length: count }, () => ({ allocated: 0, peak: 0, cached: 0, activeBlocks: 0, cachedBlocks: 0, retries: 0, ooms: 0, stream: null })),
  };
  const checkDevice = (i: number, what: string): DeviceState => {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new Error(`CUDA error: invalid device ordinal (${what} got ${i})`);
    return state.devices[i];
  };
  // All blocks of one call on one device, as the native side requires.
  const bufs = (what: string, ...vs: unknown[]): ArrayBuffer[] => {
    const blocks = vs.map((v, i) => live(v, `${what} argument ${i}`));
    for (const b of blocks) if (b.device !== blocks[0].device) throw new Error(`${what}: blocks on cuda:${blocks[0].device} and cuda:${b.device}`);
    return blocks.map((b) => b.buf!);
  };
  const orScalar = <T>(what: string, v: unknown, others: unknown[]): ArrayBuffer | T => {
    if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return v as T;
    return bufs(what, v, ...others)[0];
  };
  const host = (v: NativeBuffer, off: number, n: number, what: string): Uint8Array => {
    const u = ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v);
    if (off < 0 || off + n > u.byteLength) throw new RangeError(`${what}: host range [${off}, ${off + n}) outside ${u.byteLength} bytes`);
    return u.subarray(off, off + n);
  };
  const dev = (b: unknown, off: number, n: number, what: string): Uint8Array => {
    const blk = live(b, what);
    if (!Number.isInteger(off) || off < 0 || off + n > blk.bytes) throw new RangeError(`${what}: device range [${off}, ${off + n}) outside a block of ${blk.bytes} bytes`);
    return new Uint8Array(blk.buf!, off, n);
  };
  const release = (device: number, bytes: number, ticket: { live: boolean }): void => {
    if (!ticket.live) return;
    ticket.live = false;
    const d = state.devices[device];
    d.allocated -= bytes;
    d.activeBlocks--;
    d.cached += bytes;
    d.cachedBlocks++;
  };
  const free = (b: Block): void => {
    release(b.device, b.bytes, b.ticket);
    b.buf = null;
  };
  // Collected blocks come back later (a real token's finalizer runs inside the collection).
  const collected = new FinalizationRegistry<{ device: number; bytes: number; ticket: { live: boolean } }>((h) => release(h.device, h.bytes, h.ticket));
  const streams = new WeakSet<object>();
  const events = new WeakMap<object, { device: number; time: number | null; timing: boolean }>();

  const cuda: CudaAddon = {
    cudaDeviceCount: () => count,
    cudaCurrentDevice: () => state.current,
    cudaSetDevice: (i) => { checkDevice(i, "cudaSetDevice"); state.current = i; },
    cudaDeviceProperties: (i) => {
      checkDevice(i, "cudaDeviceProperties");
      return { name: `Mock GPU ${i}`, totalMemory: memory, major: 9, minor: 0, multiProcessorCount: 132 };
    },
    cudaSynchronize: (i) => { checkDevice(i, "cudaSynchronize"); },
    cudaDriverInfo: () => ({ runtimeVersion: 13000, ...(options.driver ?? { driverVersion: 13000, error: null }) }),

    cudaMemoryStats: (i) => {
      const d = checkDevice(i, "cudaMemoryStats");
      return { allocated: d.allocated, peakAllocated: d.peak, reserved: d.allocated + d.cached, activeBlocks: d.activeBlocks, cachedBlocks: d.cachedBlocks, numAllocRetries: d.retries, numOoms: d.ooms };
    },
    cudaEmptyCache: () => { for (const d of state.devices) { d.cached = 0; d.cachedBlocks = 0; } },
    cudaResetPeakMemoryStats: (i) => { const d = checkDevice(i, "cudaResetPeakMemoryStats"); d.peak = d.allocated; },

    cudaStreamCreate: (i) => { checkDevice(i, "cudaStreamCreate"); const s = { mockStream: i }; streams.add(s); return s as unknown as StreamToken; },
    cudaStreamSynchronize: (s) => { if (!streams.has(s as object)) throw new TypeError("cudaStreamSynchronize: not a stream"); },
    cudaStreamQuery: (s) => { if (!streams.has(s as object)) throw new TypeError("cudaStreamQuery: not a stream"); return true; },
    cudaSetCurrentStream: (i, s) => {
      const d = checkDevice(i, "cudaSetCurrentStream");
      if (s !== null && !streams.has(s as object)) throw new TypeError("cudaSetCurrentStream: not a stream");
      if (s !== null && (s as unknown as { mockStream: number }).mockStream !== i) throw new Error("cudaSetCurrentStream: the stream belongs to another device");
      d.stream = s;
    },
    cudaEventCreate: (i, timing) => { checkDevice(i, "cudaEventCreate"); const e = {}; events.set(e, { device: i, time: null, timing }); return e as EventToken; },
    cudaEventRecord: (e, s) => {
      const ev = events.get(e as object);
      if (ev === undefined) throw new TypeError("cudaEventRecord: not an event");
      if (s !== null && (s as unknown as { mockStream: number }).mockStream !== ev.device) throw new Error("cudaEventRecord: stream of another device");
      ev.time = performance.now();
    },
    cudaEventSynchronize: (e) => { if (!events.has(e as object)) throw new TypeError("cudaEventSynchronize: not an event"); },
    cudaEventQuery: (e) => { if (!events.has(e as object)) throw new TypeError("cudaEventQuery: not an event"); return true; },
    cudaEventElapsedTime: (a, b) => {
      const x = events.get(a as object), y = events.get(b as object);
      if (x === undefined || y === undefined || x.time === null || y.time === null || !x.timing || !y.timing) throw new Error("CUDA error: resource not ready");
      return Math.max(y.time - x.time, 1e-3);
    },

    cudaAlloc: (i, nbytes) => {
      const d = checkDevice(i, "cudaAlloc");
      state.allocCalls++;
      if (!Number.isInteger(nbytes) || nbytes < 0) throw new RangeError(`cudaAlloc: bad size ${nbytes}`);
      if (d.allocated + d.cached + nbytes > memory) {
        d.cached = 0;  // the native allocator empties its cache before giving up
        d.cachedBlocks = 0;
      }
      if (d.allocated + nbytes > memory) {
        d.ooms++;
        state.oomThrown++;
        const e = new Error(`CUDA out of memory. Tried to allocate ${nbytes} bytes (GPU ${i}; ${memory} bytes total capacity; ${d.allocated} bytes already allocated)`);
        (e as Error & { code: string }).code = "CUDA_OOM";
        throw e;
      }
      if (d.cached >= nbytes) { d.cached -= nbytes; d.cachedBlocks = Math.max(0, d.cachedBlocks - 1); }
      d.allocated += nbytes;
      d.activeBlocks++;
      d.peak = Math.max(d.peak, d.allocated);
      const b: Block = { mockBlock: true, buf: new ArrayBuffer(nbytes), device: i, bytes: nbytes, ticket: { live: true } };
      collected.register(b, { device: i, bytes: nbytes, ticket: b.ticket });
      return b as unknown as CudaBlock;
    },
    cudaFree: (b) => free(live(b, "cudaFree")),
    cudaMemset0: (b, off, n) => { dev(b, off, n, "cudaMemset0").fill(0); },
    cudaFromHost: (dst, dOff, src, sOff, n) => { dev(dst, dOff, n, "cudaFromHost").set(host(src, sOff, n, "cudaFromHost")); },
    cudaToHost: (dst, dOff, src, sOff, n) => { host(dst, dOff, n, "cudaToHost").set(dev(src, sOff, n, "cudaToHost")); },
    cudaCopyBytes: (dst, dOff, src, sOff, n) => { dev(dst, dOff, n, "cudaCopyBytes").set(dev(src, sOff, n, "cudaCopyBytes").slice()); },

    cudaCopy: (dd, sd, dst, src) => { const [a, b] = bufs("cudaCopy", dst, src); real.copy(dd, sd, a, b); },
    cudaCat: (dt, out, parts) => { const [o, ...ps] = bufs("cudaCat", out, ...parts); real.cat(dt, o, ps); },
    cudaFill: (dt, dst, v) => { real.fill(dt, bufs("cudaFill", dst)[0], v); },
    cudaUnary: (op, dt, out, x) => { const [o, i] = bufs("cudaUnary", out, x); real.unary(op, dt, o, i); },
    cudaBinary: (op, dt, out, a, b) => {
      const [o, x] = bufs("cudaBinary", out, a);
      real.binary(op, dt, o, x, orScalar("cudaBinary other", b, [out]));
    },
    cudaWhere: (dt, out, cond, a, b) => {
      const [o, c] = bufs("cudaWhere", out, cond);
      real.where(dt, o, c, orScalar("cudaWhere a", a, [out]), orScalar("cudaWhere b", b, [out]));
    },
    cudaReduce: (op, idt, odt, out, x) => { const [o, i] = bufs("cudaReduce", out, x); real.reduce(op, idt, odt, o, i); },
    cudaScan: (op, idt, odt, out, x) => { const [o, i] = bufs("cudaScan", out, x); real.scan(op, idt, odt, o, i); },
    cudaSort: (dt, v, ix, x, desc, stable) => { const [a, b, c] = bufs("cudaSort", v, ix, x); real.sort(dt, a, b, c, desc, stable); },
    cudaGather: (dt, out, x, ix) => { const [a, b, c] = bufs("cudaGather", out, x, ix); real.gather(dt, a, b, c); },
    cudaScatter: (dt, self, ix, src, red) => {
      const [a, b] = bufs("cudaScatter", self, ix);
      real.scatter(dt, a, b, orScalar("cudaScatter src", src, [self]) as ArrayBuffer | number, red);
    },
    cudaNonzero: (dt, out, x) => (out === null ? real.nonzero(dt, null, bufs("cudaNonzero", x)[0]) : real.nonzero(dt, ...(bufs("cudaNonzero", out, x) as [ArrayBuffer, ArrayBuffer]))),
    cudaMatmul: (dt, out, a, b) => { const [o, x, y] = bufs("cudaMatmul", out, a, b); real.matmul(dt, o, x, y); },
    cudaRandom: (kind, dt, out, seed, off, a, b) => real.random(kind, dt, bufs("cudaRandom", out)[0], seed, off, a, b),

    cudaStreamWaitEvent: (s, e) => {
      const ev = events.get(e as object);
      if (ev === undefined) throw new TypeError("cudaStreamWaitEvent: not an event");
      if (s !== null && !streams.has(s as object)) throw new TypeError("cudaStreamWaitEvent: not a stream");
    },

    cudaSetAllowTF32: (v) => { state.tf32 = v; },
    cudaGetAllowTF32: () => state.tf32,
    cudaBlasInfo: () => ({ loaded: false, path: null, error: "mock: no cuBLAS" }),
    cudaMatmulImpl: (set) => { if (set !== undefined) state.impl = set; return state.impl; },
  };
  return { cuda, state };
}
