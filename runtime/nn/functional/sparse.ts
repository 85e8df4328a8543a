/**
 * Embedding lookup.
 */
import { isGradEnabled } from "../../autograd/grad_mode";
import { Tensor } from "../../tensor";
import { where } from "../../ops/where";
import "../../ops/gather";
import "../../ops/views";
import "../../ops/binary";
import "../../ops/copy";
import { checkTensor } from "./util";

/** @internal a padding index in [0, n), negative counting from the end */
export function normPaddingIdx(paddingIdx: number | null | undefined, n: number): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx)) throw new TypeError(`padding_idx must be an integer, got ${paddingIdx}`);
  if (paddingIdx >= n || paddingIdx < -n) throw new RangeError("Padding_idx must be within num_embeddings");
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}

/**
 * Rows of weight picked by integer indices: input (*) → (*, embeddingDim).
 * The row at paddingIdx gets no gradient.
 * @example F.embedding(torch.tensor([[0, 2]]), torch.randn(10, 3)) // shape [1, 2, 3]
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number | null): Tensor {
  checkTensor(input, "embedding", "indices");
  checkTensor(weight, "embedding", "weight");
  if (input.dtype !== "int64" && input.dtype !== "int32") {
    const name = { float32: "FloatTensor", float64: "DoubleTensor", uint8: "ByteTensor", bool: "BoolTensor" }[input.dtype as string] ?? input.dtype;
    throw new TypeError(`Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${name} instead (while checking arguments for embedding)`);
  }
  if (weight.dim() !== 2) throw new Error("'weight' must be 2-D");
  const pad = normPaddingIdx(paddingIdx, weight.shape[0]);
  const flat = input.reshape(-1);
  let rows: Tensor;
  try {
    rows = weight.indexSelect(0, flat);
  } catch (e) {
    if (/out of (range|bounds)/.test((e as Error).message)) throw new RangeError("index out of range in self");
    throw e;
  }
  if (pad !== null && weight.requiresGrad && isGradEnabled()) {
    // The padding row's value, but from a detached alias: no gradient flows to it.
    rows = where(flat.eq(pad).unsqueeze(1), weight.detach().select(0, pad), rows);
  }
  return rows.view([...input.shape, weight.shape[1]]);
}
