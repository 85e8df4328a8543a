// Shared by test/half.test.ts and test/half_ops.test.ts: the half.json
// fixture (test/fixtures/gen_half.py) and comparisons in 16-bit ulps.
import { readFileSync } from "fs";
import { join } from "path";
import * as torch from "../runtime/index";
import type { DType, Tensor } from "../runtime/index";
import { fromBfloat16Bits, fromHalfBits, toBfloat16Bits, toHalfBits } from "../runtime/float16";

export type Enc = number | string | boolean;

export interface EncTensor {
  dtype: DType;
  shape: number[];
  values: Enc[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const FIXTURE: any = JSON.parse(readFileSync(join(__dirname, "fixtures", "half.json"), "utf8"));

export function dec(v: Enc): number | boolean {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return v as number | boolean;
}

/** A tensor of the fixture's values (exact in its dtype), optionally on another device. */
export function build(values: Enc[], dtype: DType, shape?: number[], device = "cpu"): Tensor {
  const t = torch.tensor(values.map(dec) as number[], { dtype });
  const r = shape === undefined ? t : t.reshape(shape);
  return device === "cpu" ? r : r.to(device);
}

export function buildEnc(e: EncTensor, device = "cpu"): Tensor {
  return build(e.values, e.dtype, e.shape, device);
}

/** Orders 16-bit floats as integers, so neighbours differ by one. */
function ordinal(v: number, dtype: DType): number {
  const b = dtype === "float16" ? toHalfBits(v) : toBfloat16Bits(v);
  return b & 0x8000 ? -(b & 0x7fff) : b;
}

/** Problems of `got` against the expected tensor; tol in ulps of the 16-bit dtype (0: exact). */
export function compare(got: Tensor, exp: EncTensor, tol: number, label: string): string[] {
  const out: string[] = [];
  if (got.dtype !== exp.dtype) out.push(`${label}: dtype ${got.dtype}, expected ${exp.dtype}`);
  if (got.shape.join(",") !== exp.shape.join(",")) out.push(`${label}: shape [${got.shape}], expected [${exp.shape}]`);
  if (out.length > 0) return out;
  const g = got.reshape(-1).tolist() as Array<number | boolean>;
  const sixteen = exp.dtype === "float16" || exp.dtype === "bfloat16";
  exp.values.forEach((ev, i) => {
    const e = dec(ev), v = g[i];
    let ok: boolean;
    if (typeof e === "number" && Number.isNaN(e)) ok = typeof v === "number" && Number.isNaN(v);
    else if (typeof e === "boolean" || typeof v === "boolean") ok = v === e;
    else if (tol === 0) ok = v === e; // -0 and 0 alike: 1.13's relu(-0) keeps the sign, torchlab's gives 0
    else if (sixteen) ok = !Number.isNaN(v) && Math.abs(ordinal(v, exp.dtype) - ordinal(e, exp.dtype)) <= tol;
    else ok = Math.abs(v - e) <= 1e-6 * Math.max(1, Math.abs(e));
    if (!ok && out.length < 8) out.push(`${label}[${i}]: got ${Object.is(v, -0) ? "-0" : v}, expected ${Object.is(e, -0) ? "-0" : e}`);
  });
  return out;
}

/** Problems of `got` against expected values with an absolute tolerance (gradients, see gen_half.py). */
export function compareAbs(got: Tensor, exp: EncTensor, atol: number, label: string): string[] {
  if (got.dtype !== exp.dtype) return [`${label}: dtype ${got.dtype}, expected ${exp.dtype}`];
  const g = got.reshape(-1).tolist() as number[];
  const out: string[] = [];
  exp.values.forEach((ev, i) => {
    const e = dec(ev) as number;
    if (!(Math.abs(g[i] - e) <= atol) && out.length < 8) out.push(`${label}[${i}]: got ${g[i]}, expected ${e} within ${atol}`);
  });
  return out;
}

/** The raw 16-bit patterns of a contiguous CPU tensor. */
export function bitsOf(t: Tensor): number[] {
  const c = t.device.type === "cpu" ? t.contiguous() : t.cpu().contiguous();
  return Array.from(c._data() as Uint16Array);
}

export function isNanBits(b: number, dtype: DType): boolean {
  return dtype === "float16" ? (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0 : (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;
}

export function decode16(b: number, dtype: DType): number {
  return dtype === "float16" ? fromHalfBits(b) : fromBfloat16Bits(b);
}

/** The devices to run on: the CPU, and the GPU when one is present. */
export function devices(): string[] {
  return torch.cuda.isAvailable() ? ["cpu", "cuda"] : ["cpu"];
}

/** Why the CUDA runs are skipped. */
export function noGpuReason(): string {
  if (!torch.backends.cuda.isBuilt()) return "the addon was built without CUDA";
  try {
    torch.cuda.currentDevice();
    return "no CUDA device";
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}
