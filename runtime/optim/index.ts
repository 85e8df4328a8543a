/**
 * torchlab's `optim`: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) and
 * learning-rate schedulers, with PyTorch 1.13's update formulas.
 * @example
 * import * as torch from "torchlab";
 * const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
 * const sched = new torch.optim.StepLR(opt, { stepSize: 10, gamma: 0.5 });
 * for (let epoch = 0; epoch < 30; epoch++) {
 *   opt.zeroGrad(); lossFn(model.forward(x), y).backward(); opt.step(); sched.step();
 * }
 */
export { Optimizer } from "./optimizer";
export type {
  OptimizerOptions, ParamGroup, ParamGroupInput, Params, StateValue, ParamState,
  PackedParamGroup, OptimizerStateDict, ZeroGradOptions,
} from "./optimizer";
export { SGD } from "./sgd";
export type { SGDOptions, SGDGroupOptions } from "./sgd";
export { Adam, AdamW } from "./adam";
export type { AdamOptions, AdamGroupOptions } from "./adam";
export { RMSprop } from "./rmsprop";
export type { RMSpropOptions, RMSpropGroupOptions } from "./rmsprop";
export { Adagrad } from "./adagrad";
export type { AdagradOptions, AdagradGroupOptions } from "./adagrad";
export { LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR } from "./lr_scheduler";
export type {
  SchedulerStateDict, SchedulerOptions, StepLROptions, MultiStepLROptions, ExponentialLROptions,
  CosineAnnealingLROptions, LambdaLROptions, LrLambda,
} from "./lr_scheduler";
/** PyTorch's `torch.optim.lr_scheduler` namespace (the same classes). @example new optim.lrScheduler.StepLR(opt, { stepSize: 5 }) */
export * as lrScheduler from "./lr_scheduler";
