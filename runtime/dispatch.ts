/**
 * Backend selection. An op asks for the backend of its inputs' device; mixing
 * devices is refused here with PyTorch's message. The CPU backend is the
 * addon itself; the CUDA backend is made of the addon's cuda* entry points
 * (same arguments and meta layouts, CudaBlock tokens for buffers). A block
 * knows its GPU, so one CUDA backend serves every device and an op runs on its
 * inputs' GPU whatever the current device is.
 * @internal
 */
import { addon } from "./addon";
import { CPU, Device } from "./device";
import type { DeviceData, NativeOps } from "./native";
import { checkIndex, cudaNative, unavailableError } from "./cuda/driver";

/** The compute entry points a device offers. */
export type Backend = NativeOps<DeviceData>;

/** The error for a CUDA request where CUDA cannot be used (kept for callers of the old name). */
export function cudaUnavailable(): Error {
  return unavailableError();
}

let cudaBackend: Backend | null = null;

function makeCudaBackend(): Backend {
  const n = cudaNative();
  // Bound, so a backend method can be passed around like the CPU addon's.
  return {
    copy: n.cudaCopy.bind(n),
    cat: n.cudaCat.bind(n),
    fill: n.cudaFill.bind(n),
    unary: n.cudaUnary.bind(n),
    binary: n.cudaBinary.bind(n),
    where: n.cudaWhere.bind(n),
    reduce: n.cudaReduce.bind(n),
    scan: n.cudaScan.bind(n),
    sort: n.cudaSort.bind(n),
    gather: n.cudaGather.bind(n),
    scatter: n.cudaScatter.bind(n),
    nonzero: n.cudaNonzero.bind(n),
    matmul: n.cudaMatmul.bind(n),
    random: n.cudaRandom.bind(n),
  } as Backend;
}

/**
 * The backend of a device; throws PyTorch's error when the device cannot be
 * used (no CUDA build, no driver, no GPU, or an index past the last GPU).
 */
export function backendFor(device: Device): Backend {
  if (device.type === "cpu") return addon;
  if (cudaBackend === null) cudaBackend = makeCudaBackend();
  if (device.index !== null) checkIndex(device.index);
  return cudaBackend;
}

interface HasDevice {
  readonly device: Device;
  dim(): number;
}

/**
 * The device an op runs on. 0-dim CPU tensors may join tensors on another
 * device (as PyTorch allows for scalars); anything else must match.
 */
export function commonDevice(tensors: readonly HasDevice[]): Device {
  // Fast path: every tensor on the very same Device object (the CPU singleton).
  const first = tensors.length > 0 ? tensors[0].device : CPU;
  let same = true;
  for (let i = 1; i < tensors.length; i++) if (tensors[i].device !== first) { same = false; break; }
  if (same) return first;
  let dev: Device | null = null;
  let cpuScalarSeen = false;
  for (const t of tensors) {
    const d = t.device;
    if (d.type === "cpu" && t.dim() === 0 && dev !== null && dev.type !== "cpu") continue;
    if (dev === null) {
      dev = d;
      cpuScalarSeen = d.type === "cpu" && t.dim() === 0;
      continue;
    }
    if (!dev.equals(d)) {
      if (cpuScalarSeen && dev.type === "cpu") {
        dev = d;
        cpuScalarSeen = false;
        continue;
      }
      throw new Error(
        `Expected all tensors to be on the same device, but found at least two devices, ${dev} and ${d}!`,
      );
    }
  }
  return dev ?? CPU;
}

/**
 * @internal t itself when it is on `device`, else a copy there: how a 0-dim
 * CPU tensor that commonDevice let join an op on a GPU reaches that GPU.
 */
export function onDevice<T extends HasDevice & { to(d: Device): T }>(t: T, device: Device): T {
  return t.device === device || t.device.equals(device) ? t : t.to(device);
}
