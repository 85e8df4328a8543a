/**
 * linear and bilinear maps.
 */
import { Tensor } from "../../tensor";
import { addmm } from "../../ops/matmul";
import "../../ops/views";
import "../../ops/binary";
import "../../ops/reduce";
import { canInplace, checkTensor } from "./util";

/**
 * y = x Wᵀ + b. Input (*, in), weight (out, in), bias (out) → (*, out).
 * @example F.linear(torch.randn(2, 4), torch.randn(3, 4), torch.zeros(3)) // shape [2, 3]
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(input, "linear", "input");
  checkTensor(weight, "linear", "weight");
  const nd = input.dim();
  const hasBias = bias !== undefined && bias !== null;
  // 2-D input: one addmm (PyTorch's AddmmBackward0), or one mm without bias.
  if (nd === 2 && weight.dim() === 2) return hasBias && bias.dim() <= 1 ? addmm(bias, input, weight.t()) : addBias(input.mm(weight.t()), bias);
  if (nd > 2 && input.isContiguous() && weight.dim() === 2) {
    // Fold leading dims into one GEMM (as PyTorch does) instead of a batched matmul.
    const lead = input.shape.slice(0, -1);
    const flat = input.reshape(-1, input.shape[nd - 1]);
    const y = hasBias && bias.dim() <= 1 ? addmm(bias, flat, weight.t()) : addBias(flat.mm(weight.t()), bias);
    return y.view([...lead, y.shape[1]]);
  }
  return addBias(input.matmul(weight.t()), bias);
}

function addBias(y: Tensor, bias: Tensor | null | undefined): Tensor {
  if (bias === undefined || bias === null) return y;
  return canInplace(y, bias) ? y.add_(bias) : y.add(bias);
}

/**
 * y_k = x1ᵀ W_k x2 + b_k. Inputs (*, in1) and (*, in2), weight (out, in1, in2), bias (out) → (*, out).
 * @example F.bilinear(torch.randn(5, 2), torch.randn(5, 3), torch.randn(4, 2, 3)) // shape [5, 4]
 */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(input1, "bilinear", "input1");
  checkTensor(input2, "bilinear", "input2");
  checkTensor(weight, "bilinear", "weight");
  if (weight.dim() !== 3) throw new Error(`bilinear(): weight must be three-dimensional, got ${weight.dim()}-D`);
  const [out, in1, in2] = weight.shape;
  if (input1.dim() !== input2.dim()) throw new Error(`bilinear(): input dimensions do not match: got ${input1.dim()} and ${input2.dim()}`);
  for (let i = 0; i < input1.dim() - 1; i++) {
    if (input1.shape[i] !== input2.shape[i])
      throw new Error(`bilinear(): input batch dimensions do not match: got ${input1.shape[i]} and ${input2.shape[i]}`);
  }
  if (input1.shape[input1.dim() - 1] !== in1)
    throw new Error(`bilinear(): input1 size does not match weight size: got ${input1.shape[input1.dim() - 1]} but expected ${in1}`);
  if (input2.shape[input2.dim() - 1] !== in2)
    throw new Error(`bilinear(): input2 size does not match weight size: got ${input2.shape[input2.dim() - 1]} but expected ${in2}`);
  if (bias !== undefined && bias !== null && (bias.dim() !== 1 || bias.shape[0] !== out))
    throw new Error(`bilinear(): bias size does not match weight size: got ${bias.shape[0]} but expected ${out}`);
  const lead = input1.shape.slice(0, -1);
  const a = input1.reshape(-1, in1), b = input2.reshape(-1, in2);
  // t[n, k, j] = sum_i a[n, i] W[k, i, j]; y[n, k] = sum_j t[n, k, j] b[n, j]
  const t = a.matmul(weight.permute(1, 0, 2).reshape(in1, out * in2)).view(-1, out, in2);
  let y = t.mul(b.unsqueeze(1)).sum(2);
  if (bias !== undefined && bias !== null) y = y.add(bias);
  return y.view([...lead, out]);
}
