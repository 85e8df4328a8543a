// nn.functional's fused nodes (one node per call, own formula) against
// central finite differences in float64, first and second derivatives.
import { describe, expect, test } from "@jest/globals";
import * as torch from "../runtime/index";
import type { Tensor } from "../runtime/index";

const F = torch.nn.functional;
const d = { dtype: "float64" as const };
const leaf = (...shape: number[]): Tensor => torch.randn(shape, d).requiresGrad_();

torch.manualSeed(7);
const t3 = torch.tensor([0, 2, 1, 0]);
const cases: Array<[string, () => Tensor[], (...xs: Tensor[]) => Tensor, string]> = [
  ["softmax", () => [leaf(4, 3)], (x) => F.softmax(x, 1), "SoftmaxBackward0"],
  ["logSoftmax dim 0", () => [leaf(4, 3)], (x) => F.logSoftmax(x, 0), "LogSoftmaxBackward0"],
  ["linear (addmm)", () => [leaf(5, 4), leaf(3, 4), leaf(3)], (x, w, b) => F.linear(x, w, b), "AddmmBackward0"],
  ["linear 3-d input", () => [leaf(2, 5, 4), leaf(3, 4), leaf(3)], (x, w, b) => F.linear(x, w, b), "ViewBackward0"],
  ["linear without bias", () => [leaf(5, 4), leaf(3, 4)], (x, w) => F.linear(x, w), "MmBackward0"],
  ["mseLoss", () => [leaf(4, 3), leaf(4, 3)], (x, y) => F.mseLoss(x, y), "MseLossBackward0"],
  ["mseLoss sum, broadcast target", () => [leaf(4, 3), leaf(3)], (x, y) => F.mseLoss(x, y, { reduction: "sum" }), "MseLossBackward0"],
  ["smoothL1Loss beta 0.5", () => [leaf(4, 3), leaf(4, 3)], (x, y) => F.smoothL1Loss(x, y, { beta: 0.5 }), "SmoothL1LossBackward0"],
  ["smoothL1Loss none", () => [leaf(4, 3), leaf(4, 3)], (x, y) => F.smoothL1Loss(x, y, { reduction: "none" }), "SmoothL1LossBackward0"],
  ["huberLoss delta 2", () => [leaf(4, 3), leaf(4, 3)], (x, y) => F.huberLoss(x, y, { delta: 2 }), "HuberLossBackward0"],
  ["nllLoss", () => [leaf(4, 3)], (x) => F.nllLoss(x, t3), "NllLossBackward0"],
  ["crossEntropy weight", () => [leaf(4, 3)], (x) => F.crossEntropy(x, t3, { weight: torch.tensor([1, 2, 0.5], d) }), "NllLossBackward0"],
  ["crossEntropy ignoreIndex none", () => [leaf(4, 3)], (x) => F.crossEntropy(x, t3, { ignoreIndex: 2, reduction: "none" }), "NllLossBackward0"],
  ["crossEntropy labelSmoothing", () => [leaf(4, 3)], (x) => F.crossEntropy(x, t3, { labelSmoothing: 0.2 }), "AddBackward0"],
  ["crossEntropy 3-d", () => [leaf(2, 3, 5)], (x) => F.crossEntropy(x, torch.tensor([[0, 1, 2, 1, 0], [2, 2, 1, 0, 0]])), "NllLossBackward0"],
];

describe("nn.functional fused nodes", () => {
  test.each(cases)("%s", (_name, make, fn, node) => {
    const xs = make();
    expect(fn(...xs).gradFn!.name()).toBe(node);
    expect(torch.autograd.gradcheck(fn, xs)).toBe(true);
    expect(torch.autograd.gradgradcheck(fn, xs)).toBe(true);
  });
});
