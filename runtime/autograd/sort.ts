/**
 * Gradient formulas of the value-selecting ops sort, topk and kthvalue: the
 * gradient of each selected value goes back to the position it came from
 * (derivatives.yaml's value_selecting_reduction_backward).
 */
import { Tensor } from "../tensor";
import { wrapDim } from "../shape";
import type { ValuesIndices } from "../ops/reduce";
import { raw, zerosOf } from "./function";
import { record } from "./node";

/**
 * @internal records `name` for an op returning `{values, indices}` along
 * `dim`; `keepdim` false means the selected dim was removed (kthvalue).
 */
export function selectValuesGrad(name: string, x: Tensor, dim: number, keepdim: boolean, compute: () => ValuesIndices): ValuesIndices {
  const res = raw(compute);
  const xs = x._shape.slice();
  const d = wrapDim(dim, xs.length);
  record(name, [x], res.values, ([g], [idx]) => {
    if (xs.length === 0) return [g];
    const gk = keepdim ? g : g.unsqueeze(d);
    const ik = keepdim ? idx : idx.unsqueeze(d);
    return [zerosOf(xs, g).scatter(d, ik, gk)];
  }, [res.indices]);
  return res;
}
