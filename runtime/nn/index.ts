/**
 * torch.nn: modules (layers, containers, losses), `nn.functional` and `nn.init`.
 * @example
 * import * as torch from "torchlab";
 * const { nn } = torch;
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
 * const loss = nn.functional.mseLoss(model.forward(torch.randn(2, 4)), torch.zeros(2, 1));
 */
export * as functional from "./functional/index";
export * as init from "./init";
export { Parameter } from "./parameter";
export { Module, stateName } from "./module";
export type { ForwardHook, ForwardPreHook, RemovableHandle, StateDict, StateDictLike, LoadStateDictResult, ModuleToOptions } from "./module";
export { Sequential, ModuleList, ModuleDict } from "./container";
export { Identity, Linear, Bilinear } from "./linear";
export type { FactoryOptions, LinearOptions } from "./linear";
export { ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax } from "./activation";
export { Dropout } from "./dropout";
export { Flatten, Unflatten } from "./flatten";
export { Embedding } from "./sparse";
export type { EmbeddingOptions } from "./sparse";
export { LayerNorm } from "./normalization";
export type { LayerNormOptions } from "./normalization";
export { Loss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss } from "./loss";
export type { Reduction } from "./functional/util";
