/**
 * torch.cuda: which GPUs there are, the current device, streams and events,
 * memory statistics and seeding. Tensors go to a GPU with `{ device: "cuda" }`,
 * `.cuda()` or `.to("cuda")` (runtime/ops/copy.ts); docs/cuda.md has the tour.
 * @example if (torch.cuda.isAvailable()) console.log(torch.cuda.getDeviceName(0));
 */
import { DeviceLike } from "../device";
import type { CudaDeviceProperties } from "../native";
import { cudaNative, currentIndex, deviceCount as count, indexOf, setCurrentIndex } from "./driver";
import { runIn } from "./streams";

export { Stream, Event, StreamContext, currentStream, defaultStream, setStream, stream } from "./streams";
export type { StreamOptions, EventOptions } from "./streams";
export { memoryStats, memoryAllocated, maxMemoryAllocated, memoryReserved, emptyCache, resetPeakMemoryStats } from "./memory";
export { manualSeed, manualSeedAll, initialSeed } from "./random";
export type { CudaMemoryStats as MemoryStats, CudaDeviceProperties as DeviceProperties } from "../native";

/** What torch.cuda functions accept as a device: an index, "cuda:1", a Device, or nothing for the current GPU. */
export type CudaDeviceLike = number | DeviceLike | null | undefined;

/**
 * True when the addon was built with CUDA and a driver and at least one GPU are present.
 * @example torch.cuda.isAvailable()
 */
export function isAvailable(): boolean {
  return count() > 0;
}

/** Number of usable GPUs (0 without CUDA). @example torch.cuda.deviceCount() */
export function deviceCount(): number {
  return count();
}

/** Index of the current GPU, where "cuda" tensors are made. @example torch.cuda.currentDevice() */
export function currentDevice(): number {
  return currentIndex();
}

/**
 * Makes a GPU current: new "cuda" tensors go there. Ops still run where their
 * inputs live. A negative index does nothing, as in PyTorch.
 * @example torch.cuda.setDevice(1)
 */
export function setDevice(device: CudaDeviceLike): void {
  if (typeof device === "number" && device < 0) return;
  setCurrentIndex(indexOf(device, "setDevice()"));
}

/** What {@link device} returns without a function: restores the previous device when disposed. */
export class DeviceContext {
  private readonly prev: number | null;
  private closed = false;

  constructor(device: CudaDeviceLike) {
    // null and -1 select nothing (PyTorch's torch.cuda.device(None)), also without CUDA.
    if (device === null || device === undefined || (typeof device === "number" && device < 0)) {
      this.prev = null;
      return;
    }
    const i = indexOf(device, "torch.cuda.device()");
    this.prev = currentIndex();
    setCurrentIndex(i);
  }

  /** Restores the previous device (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.prev !== null) setCurrentIndex(this.prev);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The chapter's `with torch.cuda.device(1):` — runs fn with that GPU current and
 * restores the previous one after (after a returned promise settles); without
 * fn, the GPU stays current until the returned scope is disposed.
 * @example
 * torch.cuda.device(1, () => torch.zeros(2, { device: "cuda" })); // on cuda:1
 * { using _ = torch.cuda.device(1); const a = torch.zeros(2, { device: "cuda" }); }
 */
export function device(device: CudaDeviceLike): DeviceContext;
export function device<T>(device: CudaDeviceLike, fn: () => T): T;
export function device<T>(d: CudaDeviceLike, fn?: () => T): T | DeviceContext {
  const ctx = new DeviceContext(d);
  if (fn === undefined) return ctx;
  return runIn(ctx, fn);
}

/** The GPU's name, e.g. "NVIDIA H100 80GB HBM3". @example torch.cuda.getDeviceName(0) */
export function getDeviceName(device?: CudaDeviceLike): string {
  return getDeviceProperties(device).name;
}

/**
 * Name, total memory in bytes, compute capability (major, minor) and SM count.
 * @example torch.cuda.getDeviceProperties(0).totalMemory
 */
export function getDeviceProperties(device?: CudaDeviceLike): CudaDeviceProperties {
  const n = cudaNative();
  return n.cudaDeviceProperties(indexOf(device, "getDeviceProperties()"));
}

/** The compute capability as [major, minor], e.g. [9, 0]. @example torch.cuda.getDeviceCapability() */
export function getDeviceCapability(device?: CudaDeviceLike): [number, number] {
  const p = getDeviceProperties(device);
  return [p.major, p.minor];
}

/** Waits for every op queued on the GPU (default: the current one) to finish. @example torch.cuda.synchronize() */
export function synchronize(device?: CudaDeviceLike): void {
  const n = cudaNative();
  n.cudaSynchronize(indexOf(device, "synchronize()"));
}
