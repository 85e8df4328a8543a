/**
 * Devices. Tensors carry one; ops run where their inputs live.
 */

/** "cpu" or "cuda". */
export type DeviceType = "cpu" | "cuda";

/**
 * A device, as `torch.device`: type plus optional index.
 * @example torch.device("cuda:0").index // 0
 */
export class Device {
  constructor(readonly type: DeviceType, readonly index: number | null = null) {}

  /** "cpu", "cuda" or "cuda:1". */
  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  /** @internal */
  equals(o: Device): boolean {
    return this.type === o.type && (this.index ?? 0) === (o.index ?? 0);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `device(type='${this.type}'${this.index === null ? "" : `, index=${this.index}`})`;
  }
}

/** Anything accepted where a device is expected. */
export type DeviceLike = Device | string;

/** The CPU device. */
export const CPU = new Device("cpu");

/**
 * Parses "cpu", "cuda", "cuda:1" (or "cuda" with an index) or returns a Device
 * unchanged. "cuda" without an index means the current GPU at the time a
 * tensor is made there.
 * @example torch.device("cuda:1"); torch.device("cuda", 1)
 */
export function device(spec: DeviceLike, index?: number): Device {
  if (spec instanceof Device) return spec;
  if (typeof spec !== "string") throw new TypeError(`Expected a device string like "cpu" or "cuda:0", got ${String(spec)}`);
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`Expected one of cpu, cuda device type at start of device string: ${spec}`);
  if (index !== undefined && index !== null) {
    if (m[2] !== undefined) throw new Error(`type (string) must not include an index because index was passed explicitly: ${spec}`);
    if (!Number.isInteger(index)) throw new TypeError(`device(): index must be an integer, got ${String(index)}`);
    if (index < 0) throw new Error(`Device index must not be negative`);
  }
  const type = m[1] as DeviceType;
  const idx = m[2] !== undefined ? Number(m[2]) : index ?? null;
  if (type === "cpu") return idx === null || idx === 0 ? CPU : new Device("cpu", idx);
  return new Device(type, idx);
}
