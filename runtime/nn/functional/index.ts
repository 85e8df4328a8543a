/**
 * torch.nn.functional: layers and losses as functions, written from public
 * tensor ops so autograd differentiates them.
 * @example
 * const F = torch.nn.functional;
 * const loss = F.crossEntropy(F.linear(x, w, b), labels);
 */
import { Tensor } from "../../tensor";
import "../../ops/views";

export { relu, leakyRelu, gelu, sigmoid, tanh, softmax, logSoftmax } from "./activation";
export { linear, bilinear } from "./linear";
export { dropout } from "./dropout";
export type { DropoutOptions } from "./dropout";
export { embedding } from "./sparse";
export { layerNorm } from "./normalization";
export { mseLoss, l1Loss, smoothL1Loss, huberLoss } from "./loss_regression";
export type { LossOptions, SmoothL1LossOptions, HuberLossOptions } from "./loss_regression";
export { nllLoss, crossEntropy, binaryCrossEntropy, binaryCrossEntropyWithLogits } from "./loss_classification";
export type { NllLossOptions, CrossEntropyOptions, BinaryCrossEntropyOptions, BinaryCrossEntropyWithLogitsOptions } from "./loss_classification";
export type { Reduction } from "./util";

/**
 * Flattens dims startDim..endDim into one (a view when possible), as `torch.flatten`.
 * @example F.flatten(torch.zeros(2, 3, 4), 1) // shape [2, 12]
 */
export function flatten(input: Tensor, startDim = 0, endDim = -1): Tensor {
  return input.flatten(startDim, endDim);
}
