/**
 * torch.nn.init: in-place initializers. All run without recording gradients
 * and accept an optional random generator.
 */
import { noGrad } from "../autograd/grad_mode";
import { Tensor } from "../tensor";
import { Generator } from "../ops/random";
import "../ops/creation";
import { stateName } from "./module";
import { warnOnce } from "./functional/util";

/** The generator option of the random initializers. */
export interface InitOptions {
  generator?: Generator;
}

/** Options of {@link kaimingUniform_} and {@link kaimingNormal_}. */
export interface KaimingOptions extends InitOptions {
  /** negative slope of the rectifier after this layer (leaky ReLU; default 0) */
  a?: number;
  /** "fanIn" (default: preserves the forward pass's variance) or "fanOut" (the backward's); "fan_in"/"fan_out" also work */
  mode?: "fanIn" | "fanOut" | "fan_in" | "fan_out";
  /** default "leakyRelu" (PyTorch's names, in either case: "leaky_relu", "relu", "tanh", ...) */
  nonlinearity?: string;
}

const LINEAR = new Set(["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"]);

/**
 * The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for
 * tanh, √2 for relu, √(2 / (1 + slope²)) for leaky relu (slope `param`, default
 * 0.01), 3/4 for selu.
 * @example nn.init.calculateGain("leakyRelu", 0.2)
 */
export function calculateGain(nonlinearity: string, param?: number | null): number {
  const name = stateName(nonlinearity);
  if (LINEAR.has(name)) return 1;
  if (name === "tanh") return 5 / 3;
  if (name === "relu") return Math.SQRT2;
  if (name === "leaky_relu") {
    const slope = param === undefined || param === null ? 0.01 : param;
    if (typeof slope !== "number" || Number.isNaN(slope)) throw new TypeError(`negative_slope ${String(param)} not a valid number`);
    return Math.sqrt(2 / (1 + slope * slope));
  }
  if (name === "selu") return 3 / 4;
  throw new Error(`Unsupported nonlinearity ${nonlinearity}`);
}

/**
 * fan_in and fan_out of a weight: dims 1 and 0 times the receptive field (dims 2...).
 * @example nn.init.calculateFanInAndFanOut(torch.empty(3, 5)) // [5, 3]
 */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  if (tensor.dim() < 2) throw new Error("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  let receptive = 1;
  for (const s of tensor.shape.slice(2)) receptive *= s;
  return [tensor.shape[1] * receptive, tensor.shape[0] * receptive];
}

/**
 * Fills with U(a, b).
 * @example nn.init.uniform_(w, -0.1, 0.1)
 */
export function uniform_(tensor: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  return noGrad(() => tensor.uniform_(a, b, options));
}

/**
 * Fills with N(mean, std²).
 * @example nn.init.normal_(w, 0, 0.02)
 */
export function normal_(tensor: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  return noGrad(() => tensor.normal_(mean, std, options));
}

/** Fills with a value. @example nn.init.constant_(b, 0.1) */
export function constant_(tensor: Tensor, value: number): Tensor {
  return noGrad(() => tensor.fill_(value));
}

/** Fills with ones. @example nn.init.ones_(ln.weight) */
export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/** Fills with zeros. @example nn.init.zeros_(fc.bias!) */
export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

/**
 * Glorot uniform: U(-a, a) with a = gain √(6 / (fan_in + fan_out)).
 * @example nn.init.xavierUniform_(w, nn.init.calculateGain("tanh"))
 */
export function xavierUniform_(tensor: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(tensor, -a, a, options);
}

/**
 * Glorot normal: N(0, std²) with std = gain √(2 / (fan_in + fan_out)).
 * @example nn.init.xavierNormal_(w)
 */
export function xavierNormal_(tensor: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return normal_(tensor, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

function kaimingStd(tensor: Tensor, options: KaimingOptions): number | null {
  if (tensor.shape.includes(0)) {
    warnOnce("Initializing zero-element tensors is a no-op");
    return null;
  }
  const mode = options.mode ?? "fanIn";
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  let fan: number;
  if (mode === "fanIn" || mode === "fan_in") fan = fanIn;
  else if (mode === "fanOut" || mode === "fan_out") fan = fanOut;
  else throw new Error(`Mode ${String(mode)} not supported, please use one of fan_in, fan_out`);
  return calculateGain(options.nonlinearity ?? "leaky_relu", options.a ?? 0) / Math.sqrt(fan);
}

/**
 * He uniform: U(-b, b) with b = gain √(3 / fan) (fan_in by default).
 * @example nn.init.kaimingUniform_(w, { a: Math.sqrt(5) }) // nn.Linear's default
 */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd(tensor, options);
  if (std === null) return tensor;
  const bound = Math.sqrt(3) * std;
  return uniform_(tensor, -bound, bound, options);
}

/**
 * He normal: N(0, std²) with std = gain / √fan.
 * @example nn.init.kaimingNormal_(w, { mode: "fanOut", nonlinearity: "relu" })
 */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd(tensor, options);
  if (std === null) return tensor;
  return normal_(tensor, 0, std, options);
}
