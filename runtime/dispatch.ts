/**
 * Backend selection. An op asks for the backend of its inputs' device; mixing
 * devices is refused here with PyTorch's message. The CUDA backend arrives with
 * its own issue: until then a CUDA device gets a clear "not compiled" error.
 * @internal
 */
import { addon } from "./addon";
import { CPU, Device } from "./device";
import type { NativeAddon } from "./native";

/** The compute entry points a device offers (the CPU one is the addon itself). */
export type Backend = Pick<
  NativeAddon,
  "copy" | "cat" | "fill" | "unary" | "binary" | "where" | "reduce" | "scan" | "sort" | "gather" | "scatter" | "nonzero" | "matmul" | "random"
>;

export function cudaUnavailable(): Error {
  return new Error(
    addon.cudaBuilt
      ? "CUDA error: no CUDA-capable device is detected"
      : "Torch not compiled with CUDA enabled (torchlab was built without nvcc; see the README's CUDA section)",
  );
}

export function backendFor(device: Device): Backend {
  if (device.type === "cpu") return addon;
  throw cudaUnavailable();
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
