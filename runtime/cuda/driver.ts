/**
 * Whether CUDA can be used, and which device a "cuda" request means.
 *
 * Note [CUDA availability]: an addon compiled without nvcc has none of the
 * cuda* entry points; one compiled with nvcc has them all, but on a machine
 * without a driver or a GPU every device query reports zero devices. Both
 * cases answer `isAvailable() === false` and refuse any CUDA request with the
 * message PyTorch gives in the same situation. The count is read once: CUDA
 * does not notice devices that appear while the process runs either.
 * @internal
 */
import { addon } from "../addon";
import { Device } from "../device";
import type { CudaAddon } from "../native";

let count: number | null = null;

/** The number of usable GPUs (0 without a CUDA build, a driver or a device). */
export function deviceCount(): number {
  if (count === null) {
    count = 0;
    if (addon.cudaBuilt && typeof addon.cudaDeviceCount === "function") {
      try {
        count = addon.cudaDeviceCount();
      } catch {
        count = 0;  // a broken driver counts as none; unavailableError() says why
      }
    }
  }
  return count;
}

/** PyTorch's message for "CUDA cannot be used here", with the runtime's own reason. */
export function unavailableError(): Error {
  if (!addon.cudaBuilt) {
    return new Error("Torch not compiled with CUDA enabled (torchlab was built without nvcc; see the README's CUDA section)");
  }
  if (typeof addon.cudaDriverInfo !== "function") {
    return new Error("internal: the addon says it was compiled with CUDA but has no cudaDriverInfo entry point; rebuild it");
  }
  let info: { runtimeVersion: number; driverVersion: number; error: string | null };
  try {
    info = addon.cudaDriverInfo();
  } catch (e) {
    return new Error(`CUDA error: ${(e as Error).message}`);
  }
  const why = info.error !== null && info.error !== "" ? ` (CUDA: ${info.error})` : "";
  if (!(info.driverVersion > 0)) {
    return new Error(
      "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from " +
        `http://www.nvidia.com/Download/index.aspx${why}`,
    );
  }
  return new Error(`No CUDA GPUs are available${why}`);
}

/** The CUDA entry points; throws the unavailable error when CUDA cannot be used. */
export function cudaNative(): CudaAddon {
  if (deviceCount() === 0) throw unavailableError();
  return addon as CudaAddon;
}

/** Throws PyTorch's error for a device index that does not exist. */
export function checkIndex(index: number): void {
  cudaNative();
  const n = deviceCount();
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new Error(`CUDA error: invalid device ordinal (asked for cuda:${index}, but ${n === 1 ? "1 device is" : `${n} devices are`} available)`);
  }
}

// One Device object per GPU, so tensors on one GPU share it and the dispatch's
// identity check (commonDevice) stays a pointer comparison.
const devices: Device[] = [];

/** The Device of GPU `index`, checked. */
export function cudaDevice(index: number): Device {
  checkIndex(index);
  return (devices[index] ??= new Device("cuda", index));
}

// The JavaScript side is the only one that changes the current device, so a
// mirror saves a native call per "cuda" request.
let current: number | null = null;

/** The current GPU's index (torch.cuda.currentDevice). */
export function currentIndex(): number {
  const n = cudaNative();
  if (current === null) current = n.cudaCurrentDevice();
  return current;
}

/** Makes GPU `index` current (torch.cuda.setDevice). */
export function setCurrentIndex(index: number): void {
  checkIndex(index);
  const n = cudaNative();
  if (current === index) return;
  n.cudaSetDevice(index);
  current = index;
}

/** "cuda" means the current GPU; returns the concrete, checked Device (CPU unchanged). */
export function concreteDevice(d: Device): Device {
  if (d.type !== "cuda") return d;
  return cudaDevice(d.index ?? currentIndex());
}

/** A device index from what torch.cuda functions accept: a number, "cuda:1", a Device, or nothing (current). */
export function indexOf(d: number | string | Device | null | undefined, what: string): number {
  if (d === undefined || d === null) return currentIndex();
  if (typeof d === "number") {
    checkIndex(d);
    return d;
  }
  const dev = typeof d === "string" ? parseCuda(d, what) : d;
  if (!(dev instanceof Device) || dev.type !== "cuda")
    throw new Error(`${what}: expected a CUDA device, but got: ${String(d)}`);
  return concreteDevice(dev).index!;
}

function parseCuda(s: string, what: string): Device {
  const m = /^cuda(?::(\d+))?$/.exec(s.trim());
  if (m === null) throw new Error(`${what}: expected a CUDA device, but got: ${s}`);
  return new Device("cuda", m[1] === undefined ? null : Number(m[1]));
}
