/**
 * gradcheck / gradgradcheck: compare autograd's gradients with central
 * finite differences (PyTorch's torch.autograd.gradcheck, checked through a
 * random projection of the outputs rather than the full Jacobian).
 */
import { Tensor } from "../tensor";
import { CPU } from "../device";
import { cudaNative } from "../cuda/driver";
import { grad } from "./engine";
import { noGrad } from "./grad_mode";

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** finite-difference step (default 1e-6) */
  eps?: number;
  /** absolute tolerance (default 1e-5) */
  atol?: number;
  /** relative tolerance (default 1e-3) */
  rtol?: number;
  /** throw with the first mismatch instead of returning false (default true) */
  raiseException?: boolean;
}

function storageIndices(x: Tensor): number[] {
  const out: number[] = [];
  const rec = (d: number, off: number): void => {
    if (d === x._shape.length) { out.push(off); return; }
    for (let i = 0; i < x._shape[d]; i++) rec(d + 1, off + i * x._strides[d]);
  };
  rec(0, x._elemOffset);
  return out;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

/**
 * Reads and writes single float64 elements of x's storage by storage index,
 * with no version bump and nothing recorded. A CUDA tensor is read once into
 * a host copy (in the order storageIndices lists) and written element by
 * element through the addon.
 */
function elementAccess(x: Tensor, positions: number[]): { get(i: number): number; set(i: number, v: number): void } {
  if (x.device.type === "cpu") {
    const arr = x._typed() as Float64Array;
    return { get: (i) => arr[positions[i]], set: (i, v) => { arr[positions[i]] = v; } };
  }
  const host = x._host().reshape(-1)._flatValues() as number[];
  const one = new Float64Array(1);
  const n = cudaNative();
  return {
    get: (i) => host[i],
    set: (i, v) => {
      one[0] = v;
      n.cudaFromHost(x._storage.cudaBlock, positions[i] * 8, one, 0, 8);
    },
  };
}

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const r = fn(...inputs);
  return (r instanceof Tensor ? [r] : r).filter((t) => t.dtype === "float64" || t.dtype === "float32");
}

function projected(outs: Tensor[], weights: Tensor[]): Tensor {
  let total: Tensor | null = null;
  for (let i = 0; i < outs.length; i++) {
    const term = outs[i].mul(weights[i]).sum();
    total = total === null ? term : total.add(term);
  }
  return total!;
}

/**
 * Checks the gradients of `fn` at `inputs` (float64 tensors; those with
 * requiresGrad are checked) against central differences.
 * @example
 * const x = torch.randn(3, { dtype: torch.float64, requiresGrad: true });
 * torch.autograd.gradcheck((t) => t.exp().sum(), [x]); // true
 */
export function gradcheck(fn: Fn, inputs: Tensor[], options: GradcheckOptions = {}): boolean {
  const eps = options.eps ?? 1e-6, atol = options.atol ?? 1e-5, rtol = options.rtol ?? 1e-3;
  const raise = options.raiseException ?? true;
  const checked = inputs.filter((t) => t._requiresGrad);
  if (checked.length === 0) throw new Error("gradcheck expects at least one input tensor to require gradient");
  for (const t of checked) {
    if (t.dtype !== "float64") throw new Error(`gradcheck: input of dtype ${t.dtype} is not float64; finite differences need double precision`);
  }
  const outs0 = outputsOf(fn, inputs);
  const weights = noGrad(() => outs0.map((o) => {
    const w = Tensor._empty(o._shape.slice(), o.dtype, CPU);
    const d = w._data() as Float64Array | Float32Array;
    for (let i = 0; i < d.length; i++) d[i] = Math.sin(i * 1.7 + 0.3) + 0.5;
    return o.device.type === "cpu" ? w : w.to(o.device);
  }));
  // An output that does not depend on the inputs (a linear op's first derivative) has zero gradient.
  const root = projected(outs0, weights);
  const analytic = root._requiresGrad ? grad(root, checked, { allowUnused: true }) : checked.map(() => null);
  for (let k = 0; k < checked.length; k++) {
    const x = checked[k];
    const positions = storageIndices(x);
    const el = elementAccess(x, positions);
    const a = analytic[k];
    const gotAll = a === null ? null : a.reshape(-1)._flatValues();
    for (let i = 0; i < positions.length; i++) {
      // Writes go straight to the storage: no version bump, nothing recorded.
      const at = (delta: number): number => {
        const orig = el.get(i);
        el.set(i, orig + delta);
        const val = projected(outputsOf(fn, inputs), weights).item() as number;
        el.set(i, orig);
        return val;
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      const got = gotAll === null ? 0 : (gotAll[i] as number);
      if (!(Math.abs(got - numeric) <= atol + rtol * Math.abs(numeric))) {
        if (!raise) return false;
        throw new Error(`Jacobian mismatch for output 0 with respect to input ${inputs.indexOf(x)}, element ${i}: numerical ${numeric} vs analytical ${got}`);
      }
    }
  }
  return true;
}

/**
 * Checks second derivatives: gradcheck of the gradients (made with createGraph).
 * @example torch.autograd.gradgradcheck((t) => t.pow(3).sum(), [x]);
 */
export function gradgradcheck(fn: Fn, inputs: Tensor[], options: GradcheckOptions = {}): boolean {
  const checked = inputs.filter((t) => t._requiresGrad);
  const first = (...xs: Tensor[]): Tensor[] => {
    const outs = outputsOf(fn, xs);
    const w = outs.map((o) => o.detach().mul(0).add(1));
    const ins = xs.filter((t) => checked.includes(t) || t._requiresGrad);
    return grad(projected(outs, w), ins, { createGraph: true, allowUnused: true }).filter((g): g is Tensor => g !== null);
  };
  return gradcheck(first, inputs, options);
}
