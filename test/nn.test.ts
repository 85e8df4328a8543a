// torch.nn against PyTorch 1.13 (test/fixtures/gen_nn.py writes nn.json):
// layer outputs with fixed weights loaded through loadStateDict, every loss
// (each reduction, weights, ignoreIndex, label smoothing, probability
// targets), the module API (names, state dicts, errors, train/eval, hooks,
// reprs, conversion), initialisation statistics, and, in the "gradients"
// block, gradients of inputs and parameters through loss.backward().
import { readFileSync } from "fs";
import { join } from "path";
import { afterEach, describe, expect, jest, test } from "@jest/globals";
import * as torch from "../runtime/index";
import type { Tensor } from "../runtime/index";
import * as nn from "../runtime/nn/index";
import { EncodedTensor, Tolerance, compareTensor, makeTensor } from "./helpers";

const F = nn.functional;

interface LayerCase {
  name: string;
  kind: string;
  args: unknown[];
  repr: string;
  state: Record<string, EncodedTensor>;
  inputs: EncodedTensor[];
  output: EncodedTensor;
  cotangent?: EncodedTensor | null;
  input_grads?: Array<EncodedTensor | null>;
  param_grads?: Record<string, EncodedTensor>;
}

interface LossCase {
  name: string;
  fn: "mseLoss" | "l1Loss" | "smoothL1Loss" | "huberLoss" | "crossEntropy" | "nllLoss" | "binaryCrossEntropy" | "binaryCrossEntropyWithLogits";
  options: { reduction: nn.Reduction; weight?: boolean; posWeight?: boolean; [k: string]: unknown };
  input: EncodedTensor;
  target: EncodedTensor;
  weight?: EncodedTensor;
  pos_weight?: EncodedTensor;
  output: EncodedTensor;
  cotangent?: EncodedTensor | null;
  input_grad?: EncodedTensor;
}

interface Fixture {
  layers: LayerCase[];
  losses: LossCase[];
  model: {
    repr: string;
    state: Record<string, EncodedTensor>;
    state_dict_keys: string[];
    named_parameters: string[];
    named_buffers: string[];
    named_modules: string[];
    named_children: string[];
    input: EncodedTensor;
    idx: EncodedTensor;
    target: EncodedTensor;
    output: EncodedTensor;
    loss: number;
    grads: Record<string, EncodedTensor>;
  };
  reprs: Record<string, string>;
  loss_state_keys: Record<string, string[]>;
  errors: Record<string, string>;
  load_results: { nonstrict: { missing: string[]; unexpected: string[] } };
}

const fx: Fixture = JSON.parse(readFileSync(join(__dirname, "fixtures", "nn.json"), "utf8"));
const TOL: Tolerance = { rtol: 1e-4, atol: 1e-5 };

const dec = (e: EncodedTensor): Tensor => makeTensor(e.values, e.shape, e.dtype);
const stateOf = (s: Record<string, EncodedTensor>): Map<string, Tensor> => new Map(Object.entries(s).map(([k, v]) => [k, dec(v)]));

function expectClose(got: unknown, want: EncodedTensor, label: string, tol: Tolerance = TOL): void {
  expect(compareTensor(got, want, tol, label)).toEqual([]);
}

/** loss.backward(), typed loosely so this file compiles before autograd's declarations exist. */
function backward(t: Tensor): void {
  (t as unknown as { backward(): void }).backward();
}

function build(kind: string, args: unknown[]): nn.Module {
  const n = (i: number) => args[i] as number;
  const o = <T>(i: number) => (args[i] ?? {}) as T;
  switch (kind) {
    case "Linear": return new nn.Linear(n(0), n(1), o<nn.LinearOptions>(2));
    case "Bilinear": return new nn.Bilinear(n(0), n(1), n(2), o<nn.LinearOptions>(3));
    case "Identity": return new nn.Identity();
    case "ReLU": return new nn.ReLU();
    case "LeakyReLU": return args.length > 0 ? new nn.LeakyReLU(n(0)) : new nn.LeakyReLU();
    case "GELU": return new nn.GELU(o<{ approximate?: "none" | "tanh" }>(0));
    case "Sigmoid": return new nn.Sigmoid();
    case "Tanh": return new nn.Tanh();
    case "Softmax": return new nn.Softmax(n(0));
    case "LogSoftmax": return new nn.LogSoftmax(n(0));
    case "LayerNorm": return new nn.LayerNorm(args[0] as number | number[], o<nn.LayerNormOptions>(1));
    case "Embedding": return new nn.Embedding(n(0), n(1), o<nn.EmbeddingOptions>(2));
    case "Flatten": return args.length > 0 ? new nn.Flatten(n(0), n(1)) : new nn.Flatten();
    case "Unflatten": return new nn.Unflatten(n(0), args[1] as number[]);
    case "Dropout": return new nn.Dropout(n(0));
    case "Sequential": return new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 2));
    default: throw new Error(`unknown layer kind ${kind}`);
  }
}

function layerWithState(c: LayerCase): nn.Module {
  const m = build(c.kind, c.args);
  m.loadStateDict(stateOf(c.state));
  return m.eval();
}

function lossOptions(c: LossCase): Record<string, unknown> {
  const o: Record<string, unknown> = { ...c.options };
  if (c.options.weight) o.weight = dec(c.weight!);
  if (c.options.posWeight) o.posWeight = dec(c.pos_weight!);
  return o;
}

type LossFn = (input: Tensor, target: Tensor, options: Record<string, unknown>) => Tensor;

function lossModule(c: LossCase): nn.Module {
  const o = lossOptions(c);
  switch (c.fn) {
    case "mseLoss": return new nn.MSELoss(o);
    case "l1Loss": return new nn.L1Loss(o);
    case "smoothL1Loss": return new nn.SmoothL1Loss(o);
    case "huberLoss": return new nn.HuberLoss(o);
    case "crossEntropy": return new nn.CrossEntropyLoss(o);
    case "nllLoss": return new nn.NLLLoss(o);
    case "binaryCrossEntropy": return new nn.BCELoss(o);
    case "binaryCrossEntropyWithLogits": return new nn.BCEWithLogitsLoss(o);
  }
}

/** The fixture's nested model, written the TypeScript way (camelCase properties). */
class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  scale = new nn.Parameter(torch.randn(3));
  seq = new nn.Sequential(new nn.Linear(3, 3), new nn.ReLU(), new nn.Dropout(0.25));
  layerNorm = new nn.LayerNorm(3);
  heads = new nn.ModuleDict({ cls: new nn.Linear(3, 2), reg: new nn.Linear(3, 1) });
  blocks = new nn.ModuleList([new nn.GELU(), new nn.Identity()]);
  emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
  declare runningMean: Tensor;
  declare scratch: Tensor;

  constructor() {
    super();
    this.registerBuffer("runningMean", torch.randn(3));
    this.registerBuffer("scratch", torch.zeros(1), { persistent: false });
  }

  override forward(x: Tensor, idx: Tensor): Tensor {
    let h = this.seq.forward(this.fc.forward(x).mul(this.scale).add(this.runningMean));
    h = (this.blocks.get(1).forward(this.blocks.get(0).forward(this.layerNorm.forward(h))) as Tensor).add(this.emb.forward(idx));
    return this.heads.get("cls")!.forward(h) as Tensor;
  }
}

function loadedNet(): Net {
  const net = new Net();
  net.loadStateDict(stateOf(fx.model.state));
  return net.eval();
}

afterEach(() => {
  jest.restoreAllMocks();
});

// ---------------------------------------------------------------------------
describe("layers against PyTorch", () => {
  test.each(fx.layers.map((c): [string, LayerCase] => [c.name, c]))("%s", (_name, c) => {
    const m = layerWithState(c);
    expect(m.toString()).toBe(c.repr);
    const out = m.forward(...c.inputs.map(dec));
    expectClose(out, c.output, c.name);
  });

  test("torch.nn is this module, with functional and init namespaces", () => {
    expect(torch.nn.Linear).toBe(nn.Linear);
    expect(torch.nn.functional.crossEntropy).toBe(F.crossEntropy);
    expect(torch.nn.init.kaimingUniform_).toBe(nn.init.kaimingUniform_);
  });

  test("functional forms agree with the layers", () => {
    const x = torch.randn(3, 4);
    const fc = new nn.Linear(4, 2);
    expect(torch.equal(F.linear(x, fc.weight, fc.bias), fc.forward(x))).toBe(true);
    expect(torch.equal(F.relu(x), x.relu())).toBe(true);
    expect(torch.equal(F.sigmoid(x), x.sigmoid())).toBe(true);
    expect(torch.equal(F.tanh(x), x.tanh())).toBe(true);
    expect(F.flatten(torch.zeros(2, 3, 4), 1).shape).toEqual([2, 12]);
    expect(F.flatten(torch.zeros(2, 3, 4)).shape).toEqual([24]);
  });

  test("softmax rows sum to one and stay finite for huge inputs", () => {
    const x = torch.tensor([[1000, 0, -1000], [1, 2, 3]], { dtype: torch.float32 });
    const s = F.softmax(x, 1);
    const sums = s.sum(1).tolist() as number[];
    for (const v of sums) expect(v).toBeCloseTo(1, 6);
    expect((F.logSoftmax(x, 1).isfinite().all().item())).toBe(true);
  });

  test("Dropout: zero fraction near p, survivors scaled, identity in eval and for p = 0", () => {
    torch.manualSeed(3);
    const x = torch.ones(200, 100);
    const drop = new nn.Dropout(0.3);
    const y = drop.forward(x);
    const zeros = (y.eq(0).sum().item() as number) / x.numel();
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.02);
    const kept = y.maskedSelect(y.ne(0));
    expect(kept.sub(1 / 0.7).abs().amax().item()).toBeLessThan(1e-6);
    expect(drop.eval().forward(x)).toBe(x);
    expect(F.dropout(x, 0)).toBe(x);
    expect(F.dropout(x, 1).sum().item()).toBe(0);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    const g1 = new torch.Generator().manualSeed(9), g2 = new torch.Generator().manualSeed(9);
    expect(torch.equal(F.dropout(x, 0.5, true, { generator: g1 }), F.dropout(x, 0.5, true, { generator: g2 }))).toBe(true);
  });

  test("Embedding.fromPretrained shares the weight and freezes it", () => {
    const w = torch.tensor([[1, 2], [3, 4], [5, 6]], { dtype: torch.float32 });
    const emb = nn.Embedding.fromPretrained(w);
    expect(emb.weight.requiresGrad).toBe(false);
    expect(emb.forward(torch.tensor([2, 0])).tolist()).toEqual([[5, 6], [1, 2]]);
    w.fill_(0);
    expect(emb.weight.sum().item()).toBe(0);
    expect(nn.Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad).toBe(true);
  });
});

// ---------------------------------------------------------------------------
describe("losses against PyTorch", () => {
  test.each(fx.losses.map((c): [string, LossCase] => [c.name, c]))("%s", (_name, c) => {
    const input = dec(c.input), target = dec(c.target);
    const fn = F[c.fn] as unknown as LossFn;
    expectClose(fn(input, target, lossOptions(c)), c.output, `F.${c.fn}`);
    expectClose(lossModule(c).forward(input, target), c.output, `module ${c.fn}`);
  });

  test("the chapter's step: smoothL1Loss(fc.forward(x), y) is a 0-dim float32", () => {
    const fc = new nn.Linear(4, 1);
    const loss = F.smoothL1Loss(fc.forward(torch.randn(32, 4)), torch.randn(32, 1));
    expect(loss.shape).toEqual([]);
    expect(loss.dtype).toBe("float32");
  });

  test("mse/l1 with different shapes broadcast and warn once, as PyTorch 1.13", () => {
    const spy = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const x = torch.zeros(3, 1), y = torch.ones(3);
    const r = F.mseLoss(x, y, { reduction: "none" });
    expect(r.shape).toEqual([3, 3]);
    F.mseLoss(x, y);
    F.l1Loss(x, y);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(String(spy.mock.calls[0][0])).toBe("Using a target size ([3]) that is different to the input size ([3, 1]). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.");
  });

  test("loss modules keep class weights as buffers (PyTorch's state dict keys)", () => {
    const ones = torch.ones(3);
    expect([...new nn.CrossEntropyLoss({ weight: ones }).stateDict().keys()]).toEqual(fx.loss_state_keys["CrossEntropyLoss(weight)"]);
    expect([...new nn.BCEWithLogitsLoss({ weight: ones, posWeight: ones }).stateDict().keys()]).toEqual(fx.loss_state_keys["BCEWithLogitsLoss(weight, pos_weight)"]);
    expect([...new nn.NLLLoss().stateDict().keys()]).toEqual(fx.loss_state_keys["NLLLoss()"]);
  });
});

// ---------------------------------------------------------------------------
describe("errors match PyTorch's messages", () => {
  const E = fx.errors;
  const x = torch.randn(3, 4);
  const cases: Array<[string, () => unknown]> = [
    ["ce_target_oob", () => F.crossEntropy(x, torch.tensor([0, 5, 1]))],
    ["ce_target_negative", () => F.crossEntropy(x, torch.tensor([0, -1, 1]))],
    ["ce_target_int32", () => F.crossEntropy(x, torch.tensor([0, 1, 1], { dtype: torch.int32 }))],
    ["ce_target_float", () => F.crossEntropy(x, torch.tensor([0, 1, 1], { dtype: torch.float32 }))],
    ["ce_batch", () => F.crossEntropy(x, torch.tensor([0, 1]))],
    ["ce_probs_int", () => F.crossEntropy(x, torch.ones(3, 4, { dtype: torch.int64 }))],
    ["ce_probs_ignore", () => F.crossEntropy(x, torch.ones(3, 4), { ignoreIndex: 1 })],
    ["ce_weight_size", () => F.crossEntropy(x, torch.tensor([0, 1, 1]), { weight: torch.ones(3) })],
    ["ce_3d_target", () => F.crossEntropy(torch.randn(2, 3, 4), torch.zeros(2, 5, { dtype: torch.int64 }))],
    ["ce_label_smoothing", () => F.crossEntropy(x, torch.tensor([0, 1, 1]), { labelSmoothing: 1.5 })],
    ["nll_oob", () => F.nllLoss(x, torch.tensor([0, 1, 4]))],
    ["nll_1d_size", () => F.nllLoss(torch.randn(4), torch.tensor([1]))],
    ["bce_size", () => F.binaryCrossEntropy(x.sigmoid(), torch.ones(4))],
    ["bce_range", () => F.binaryCrossEntropy(x.mul(10), torch.ones(3, 4))],
    ["bce_int_target", () => F.binaryCrossEntropy(x.sigmoid(), torch.ones(3, 4, { dtype: torch.int64 }))],
    ["bcel_size", () => F.binaryCrossEntropyWithLogits(x, torch.ones(4))],
    ["reduction", () => F.mseLoss(x, x, { reduction: "foo" as nn.Reduction })],
    ["smooth_l1_beta", () => F.smoothL1Loss(x, x, { beta: -1 })],
    ["embedding_float", () => F.embedding(torch.tensor([1.5]), torch.randn(3, 2))],
    ["embedding_oob", () => F.embedding(torch.tensor([5]), torch.randn(3, 2))],
    ["embedding_padding", () => new nn.Embedding(3, 2, { paddingIdx: 3 })],
    ["layer_norm_shape", () => F.layerNorm(x, [3])],
    ["dropout_p", () => F.dropout(x, 1.5)],
    ["calculate_gain", () => nn.init.calculateGain("foo")],
    ["fan", () => nn.init.kaimingUniform_(torch.zeros(3))],
    ["load_strict", () => new nn.Linear(1, 1).loadStateDict({ bias: torch.zeros(2), foo: torch.zeros(1) })],
    ["load_nonstrict_size", () => new nn.Linear(1, 1).loadStateDict({ bias: torch.zeros(2), foo: torch.zeros(1) }, { strict: false })],
    ["load_nested", () => {
      const sd = loadedNet().stateDict();
      sd.delete("fc.bias");
      sd.set("seq.0.extra", torch.zeros(1));
      sd.set("heads.cls.weight", torch.zeros(3, 3));
      return new Net().loadStateDict(sd);
    }],
  ];
  test.each(cases)("%s", (name, fn) => {
    expect(E[name]).toBeDefined();
    expect(fn).toThrow(E[name]);
    try {
      fn();
    } catch (e) {
      expect((e as Error).message).toBe(E[name]);
    }
  });

  test("every recorded error has a case", () => {
    expect(cases.map((c) => c[0]).sort()).toEqual(Object.keys(E).sort());
  });
});

// ---------------------------------------------------------------------------
describe("Module API", () => {
  test("names and order of parameters, buffers, modules and state dict keys are PyTorch's", () => {
    const net = new Net();
    expect(net.namedParameters().map((e) => e[0])).toEqual(fx.model.named_parameters);
    expect([...net.stateDict().keys()]).toEqual(fx.model.state_dict_keys);
    expect(net.namedBuffers().map((e) => e[0])).toEqual(fx.model.named_buffers);
    expect(net.namedModules().map((e) => e[0])).toEqual(fx.model.named_modules);
    expect(net.namedChildren().map((e) => e[0])).toEqual(fx.model.named_children);
    expect(net.parameters()).toHaveLength(fx.model.named_parameters.length);
    expect(net.parameters(false)).toEqual([net.scale]);
    expect(net.modules()[0]).toBe(net);
    expect(net.children()[0]).toBe(net.fc);
    expect(net.getSubmodule("heads.cls")).toBe(net.heads.get("cls"));
    expect(() => net.getSubmodule("heads.nope")).toThrow("ModuleDict has no attribute `nope`");
  });

  test("repr matches PyTorch's", () => {
    expect(new Net().toString()).toBe(fx.model.repr);
  });

  test("forward with PyTorch's weights gives PyTorch's output and loss", () => {
    const net = loadedNet();
    const out = net.forward(dec(fx.model.input), dec(fx.model.idx));
    expectClose(out, fx.model.output, "net output");
    expect(F.crossEntropy(out, dec(fx.model.target)).item()).toBeCloseTo(fx.model.loss, 5);
  });

  test("reprs of every layer", () => {
    const R = fx.reprs;
    const got: Record<string, string> = {
      "Linear(4, 1)": new nn.Linear(4, 1).toString(),
      "Linear(4, 3, bias=False)": new nn.Linear(4, 3, { bias: false }).toString(),
      "Bilinear(2, 3, 4)": new nn.Bilinear(2, 3, 4).toString(),
      Identity: new nn.Identity().toString(),
      ReLU: new nn.ReLU().toString(),
      "ReLU(inplace)": new nn.ReLU({ inplace: true }).toString(),
      LeakyReLU: new nn.LeakyReLU().toString(),
      "LeakyReLU(0.2, inplace)": new nn.LeakyReLU(0.2, { inplace: true }).toString(),
      GELU: new nn.GELU().toString(),
      "GELU(tanh)": new nn.GELU({ approximate: "tanh" }).toString(),
      Sigmoid: new nn.Sigmoid().toString(),
      Tanh: new nn.Tanh().toString(),
      "Softmax(1)": new nn.Softmax(1).toString(),
      "Softmax()": new nn.Softmax().toString(),
      "LogSoftmax(-1)": new nn.LogSoftmax(-1).toString(),
      Dropout: new nn.Dropout().toString(),
      "Dropout(0.1)": new nn.Dropout(0.1).toString(),
      "Embedding(10, 3)": new nn.Embedding(10, 3).toString(),
      "Embedding(10, 3, padding_idx=-1)": new nn.Embedding(10, 3, { paddingIdx: -1 }).toString(),
      "LayerNorm(4)": new nn.LayerNorm(4).toString(),
      "LayerNorm([2, 3], eps=1e-3, noaffine)": new nn.LayerNorm([2, 3], { eps: 1e-3, elementwiseAffine: false }).toString(),
      Flatten: new nn.Flatten().toString(),
      "Unflatten(1, [2, 5])": new nn.Unflatten(1, [2, 5]).toString(),
      "Sequential()": new nn.Sequential().toString(),
      "Sequential(named)": new nn.Sequential({ fc: new nn.Linear(4, 1), act: new nn.Sigmoid() }).toString(),
      ModuleList: new nn.ModuleList([new nn.Linear(2, 2), new nn.ReLU()]).toString(),
      ModuleDict: new nn.ModuleDict({ a: new nn.ReLU(), b: new nn.Tanh() }).toString(),
      MSELoss: new nn.MSELoss().toString(),
      CrossEntropyLoss: new nn.CrossEntropyLoss({ weight: torch.ones(3) }).toString(),
      BCEWithLogitsLoss: new nn.BCEWithLogitsLoss().toString(),
      Parameter: new nn.Parameter(torch.tensor([1.0, 2.0], { dtype: torch.float32 })).toString(),
    };
    expect(got).toEqual(R);
  });

  test("stateDict: detached tensors sharing storage; loadStateDict copies; plain objects accepted", () => {
    const a = loadedNet(), b = new Net();
    const sd = a.stateDict();
    const w = sd.get("fc.weight")!;
    expect(w).not.toBe(a.fc.weight);
    expect(w.requiresGrad).toBe(false);
    expect(a.stateDict({ keepVars: true }).get("fc.weight")).toBe(a.fc.weight);
    const r = b.loadStateDict(sd);
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(torch.equal(b.fc.weight, a.fc.weight)).toBe(true);
    expect(torch.equal(b.runningMean, a.runningMean)).toBe(true);
    b.fc.weight.data.fill_(7);
    expect(torch.equal(a.fc.weight, b.fc.weight)).toBe(false);
    w.fill_(3);  // shares a's storage
    expect(a.fc.weight.amin().item()).toBe(3);
    const fc = new nn.Linear(2, 1);
    fc.loadStateDict({ weight: torch.tensor([[1, 2]], { dtype: torch.float32 }), bias: torch.tensor([0.5]) });
    expect(fc.forward(torch.tensor([[1, 1]], { dtype: torch.float32 })).item()).toBe(3.5);
  });

  test("loadStateDict non-strict returns the missing and unexpected keys", () => {
    const fc = new nn.Linear(1, 1);
    const r = fc.loadStateDict({ bias: torch.zeros(1), foo: torch.zeros(1), "weight.x": torch.zeros(1) }, { strict: false });
    expect(r).toEqual({ missingKeys: fx.load_results.nonstrict.missing, unexpectedKeys: fx.load_results.nonstrict.unexpected });
    expect(fc.bias!.item()).toBe(0);
    expect(() => fc.loadStateDict({ weight: 3 as unknown as Tensor, bias: torch.zeros(1) }))
      .toThrow('While copying the parameter named "weight", expected torch.Tensor or Tensor-like object from checkpoint but received number');
  });

  test("train() and eval() reach every submodule", () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.seq.train(false);
    expect(net.training).toBe(true);
    expect(net.seq.get(2).training).toBe(false);
  });

  test("forward hooks and pre-hooks run on forward(), in order, and remove() restores", () => {
    const fc = new nn.Linear(2, 2);
    const x = torch.ones(1, 2);
    const plain = fc.forward(x);
    expect(Object.prototype.hasOwnProperty.call(fc, "forward")).toBe(false);
    const calls: string[] = [];
    const h1 = fc.registerForwardHook((m, inp, out) => {
      calls.push("h1");
      expect(m).toBe(fc);
      expect((inp[0] as Tensor).tolist()).toEqual([[2, 2]]);  // after the pre-hook, as in PyTorch
      return (out as Tensor).mul(0);
    });
    const h2 = fc.registerForwardHook((_m, _inp, out) => {
      calls.push("h2");
      return (out as Tensor).add(1);
    });
    const pre = fc.registerForwardPreHook((_m, inp) => {
      calls.push("pre");
      return (inp[0] as Tensor).mul(2);
    });
    expect(Object.keys(fc)).not.toContain("forward");
    expect(fc.forward(x).tolist()).toEqual([[1, 1]]);
    expect(calls).toEqual(["pre", "h1", "h2"]);
    h1.remove();
    h1.remove();
    pre.remove();
    expect(torch.equal(fc.forward(x), plain.add(1))).toBe(true);
    h2.remove();
    expect(Object.prototype.hasOwnProperty.call(fc, "forward")).toBe(false);
    expect(torch.equal(fc.forward(x), plain)).toBe(true);
    // A hook on a child runs when the parent's forward calls the child's.
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU());
    const seen: number[][] = [];
    seq.get(0).registerForwardHook((_m, _i, out) => { seen.push((out as Tensor).shape.slice()); });
    seq.forward(torch.ones(3, 2));
    expect(seen).toEqual([[3, 2]]);
  });

  test("zeroGrad sets grads to null, or zeroes them with setToNone: false", () => {
    const fc = new nn.Linear(2, 1);
    fc.weight.grad = torch.ones(1, 2);
    fc.bias!.grad = torch.ones(1);
    fc.zeroGrad({ setToNone: false });
    expect(fc.weight.grad!.tolist()).toEqual([[0, 0]]);
    fc.zeroGrad();
    expect(fc.weight.grad).toBeNull();
    expect(fc.bias!.grad).toBeNull();
  });

  test("requiresGrad_ freezes and unfreezes every parameter", () => {
    const net = new Net();
    net.requiresGrad_(false);
    expect(net.parameters().some((p) => p.requiresGrad)).toBe(false);
    net.fc.requiresGrad_();
    expect(net.fc.weight.requiresGrad).toBe(true);
    expect(net.scale.requiresGrad).toBe(false);
  });

  test("to(dtype) converts floating parameters and buffers in place, keeping Parameter identity", () => {
    const net = new Net();
    const w = net.fc.weight;
    const before = w.tolist();
    net.registerBuffer("steps", torch.tensor([3]));
    expect(net.double()).toBe(net);
    expect(net.fc.weight).toBe(w);
    expect(w.dtype).toBe("float64");
    expect(w).toBeInstanceOf(nn.Parameter);
    expect(w.requiresGrad).toBe(true);
    expect(net.runningMean.dtype).toBe("float64");
    expect((net as unknown as { steps: Tensor }).steps.dtype).toBe("int64");
    expect(w.tolist()).toEqual(before);
    net.to({ dtype: "float32", device: "cpu" });
    expect(w.dtype).toBe("float32");
    net.to("cpu").float();
    // half()/bfloat16() round each parameter as the tensor casts do (checked against PyTorch in half.test.ts)
    const asHalf = w.half().tolist();
    expect(net.half()).toBe(net);
    expect(w.dtype).toBe("float16");
    expect(w.tolist()).toEqual(asHalf);
    expect((net as unknown as { steps: Tensor }).steps.dtype).toBe("int64");
    const asBf16 = w.float().bfloat16().tolist();
    expect(net.bfloat16().fc.weight.dtype).toBe("bfloat16");
    expect(w.tolist()).toEqual(asBf16);
    expect(w).toBeInstanceOf(nn.Parameter);
    net.float();
    expect(() => net.to("int64")).toThrow("nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=int64");
    const y = net.eval().forward(torch.randn(2, 4), torch.tensor([1, 2]));
    expect(y.dtype).toBe("float32");
  });

  test("apply visits children first, then the module", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.ReLU()));
    const seen: string[] = [];
    seq.apply((m) => { seen.push(m.constructor.name); });
    expect(seen).toEqual(["Linear", "ReLU", "Sequential", "Sequential"]);
    seq.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.weight); });
    expect((seq.get(0) as nn.Linear).weight.abs().sum().item()).toBe(0);
  });

  test("registerParameter/registerBuffer/registerModule, null entries and name checks", () => {
    const m = new nn.Module();
    m.registerParameter("alpha", new nn.Parameter(torch.ones(1)));
    m.registerParameter("beta", null);
    m.registerModule("sub", new nn.Linear(1, 1));
    m.addModule("none", null);
    m.registerBuffer("counts", torch.zeros(2, { dtype: torch.int64 }));
    m.registerBuffer("empty", null);
    expect([...m.stateDict().keys()]).toEqual(["alpha", "counts", "sub.weight", "sub.bias"]);
    expect(m.toString()).toBe("Module(\n  (sub): Linear(in_features=1, out_features=1, bias=True)\n)");
    expect(() => m.registerBuffer("a.b", torch.zeros(1))).toThrow('buffer name can\'t contain ".", got: a.b');
    expect(() => m.registerParameter("x", torch.zeros(1) as nn.Parameter)).toThrow("nn.Parameter or null required");
    expect(() => m.registerBuffer("alpha", torch.zeros(1))).toThrow("attribute 'alpha' already exists");
    expect(() => m.forward(torch.zeros(1))).toThrow('Module [Module] is missing the required "forward" function');
    expect(nn.stateName("runningMean")).toBe("running_mean");
    expect(nn.stateName("weightIhL0")).toBe("weight_ih_l0");
    expect(nn.stateName("fc1")).toBe("fc1");
    expect(nn.stateName("Conv2d_1a_3x3")).toBe("Conv2d_1a_3x3");
    expect(nn.stateName("AuxLogits")).toBe("AuxLogits");
  });

  test("Parameter shares storage, requires grad, and survives tidy scopes", () => {
    const t = torch.zeros(3);
    const p = new nn.Parameter(t);
    expect(p).toBeInstanceOf(torch.Tensor);
    expect(p.requiresGrad).toBe(true);
    t.fill_(2);
    expect(p.tolist()).toEqual([2, 2, 2]);
    expect(new nn.Parameter(torch.zeros(1), false).requiresGrad).toBe(false);
    const fc = torch.tidy(() => {
      const m = new nn.Linear(3, 2);
      m.registerBuffer("b", torch.ones(1));
      return m;
    });
    expect(fc.weight.isDisposed).toBe(false);
    expect(fc.bias!.isDisposed).toBe(false);
    expect(fc.forward(torch.ones(1, 3)).shape).toEqual([1, 2]);
    expect((fc as unknown as { b: Tensor }).b.isDisposed).toBe(false);
  });

  test("Sequential, ModuleList and ModuleDict", () => {
    const a = new nn.Linear(2, 3), b = new nn.ReLU(), c = new nn.Linear(3, 1);
    const seq = new nn.Sequential(a, b, c);
    expect(seq.length).toBe(3);
    expect(seq.get(0)).toBe(a);
    expect(seq.get(-1)).toBe(c);
    expect(() => seq.get(3)).toThrow("index 3 is out of range");
    expect([...seq]).toEqual([a, b, c]);
    expect(seq.forward(torch.ones(4, 2)).shape).toEqual([4, 1]);
    const s2 = seq.slice(0, 2);
    expect(s2.length).toBe(2);
    expect(s2.forward(torch.ones(1, 2)).shape).toEqual([1, 3]);
    seq.append(new nn.Sigmoid()).insert(1, new nn.Identity());
    expect(seq.namedChildren().map((e) => e[0])).toEqual(["0", "1", "2", "3", "4"]);
    expect(seq.get(1)).toBeInstanceOf(nn.Identity);
    const named = new nn.Sequential(new Map<string, nn.Module>([["b", b], ["a", a]]));
    expect(named.namedChildren().map((e) => e[0])).toEqual(["b", "a"]);
    expect([...named.stateDict().keys()]).toEqual(["a.weight", "a.bias"]);

    const list = new nn.ModuleList([a, b]);
    list.append(c).extend([new nn.Tanh()]);
    expect(list.length).toBe(4);
    expect([...list.stateDict().keys()]).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    list.set(1, new nn.Sigmoid());
    expect(list.get(1)).toBeInstanceOf(nn.Sigmoid);
    expect(list.slice(2).length).toBe(2);
    list.insert(0, new nn.Identity());
    expect(list.get(1)).toBe(a);
    expect(() => list.forward(torch.ones(1))).toThrow("missing the required \"forward\"");

    // Pairs (or a Map) keep their order; an object literal puts integer-like keys first (JavaScript's rule).
    expect([...new nn.ModuleDict({ z: a, "0": c })]).toEqual(["0", "z"]);
    const dict = new nn.ModuleDict([["z", a], ["0", c]]);
    expect([...dict]).toEqual(["z", "0"]);
    expect([...dict.stateDict().keys()]).toEqual(["z.weight", "z.bias", "0.weight", "0.bias"]);
    dict.set("act", b);
    expect(dict.has("act")).toBe(true);
    expect(dict.get("act")).toBe(b);
    expect(dict.pop("z")).toBe(a);
    expect([...dict.keys()]).toEqual(["0", "act"]);
    expect(dict.length).toBe(2);
    // A shared module appears once in parameters() and namedModules().
    const shared = new nn.Sequential(a, a);
    expect(shared.parameters()).toHaveLength(2);
    expect(shared.namedModules().map((e) => e[0])).toEqual(["", "0"]);
    expect([...shared.stateDict().keys()]).toEqual(["0.weight", "0.bias", "1.weight", "1.bias"]);
  });
});

// ---------------------------------------------------------------------------
describe("nn.init", () => {
  const stats = (t: Tensor) => ({ min: t.amin().item() as number, max: t.amax().item() as number, mean: t.mean().item() as number, std: t.std().item() as number });

  test("default initialisation of Linear, Bilinear, Embedding, LayerNorm", () => {
    torch.manualSeed(11);
    const fc = new nn.Linear(400, 300);
    const w = stats(fc.weight), b = stats(fc.bias!);
    const bound = 1 / Math.sqrt(400);
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.max).toBeGreaterThan(0.99 * bound);
    expect(Math.abs(w.std - bound / Math.sqrt(3))).toBeLessThan(0.002);
    expect(b.min).toBeGreaterThanOrEqual(-bound);
    expect(b.max).toBeLessThanOrEqual(bound);
    const bl = new nn.Bilinear(50, 7, 300);
    const bb = 1 / Math.sqrt(50);
    expect(stats(bl.weight).max).toBeLessThanOrEqual(bb);
    expect(stats(bl.weight).max).toBeGreaterThan(0.99 * bb);
    expect(stats(bl.bias!).min).toBeGreaterThanOrEqual(-bb);
    const emb = new nn.Embedding(1000, 100, { paddingIdx: 3 });
    const e = stats(emb.weight);
    expect(Math.abs(e.mean)).toBeLessThan(0.01);
    expect(Math.abs(e.std - 1)).toBeLessThan(0.01);
    expect(emb.weight.select(0, 3).abs().sum().item()).toBe(0);
    const ln = new nn.LayerNorm([2, 3]);
    expect(ln.weight!.tolist()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(ln.bias!.tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(new nn.Linear(3, 2, { dtype: torch.float64 }).weight.dtype).toBe("float64");
  });

  test("calculateGain and fans", () => {
    expect(nn.init.calculateGain("linear")).toBe(1);
    expect(nn.init.calculateGain("conv2d")).toBe(1);
    expect(nn.init.calculateGain("sigmoid")).toBe(1);
    expect(nn.init.calculateGain("tanh")).toBeCloseTo(5 / 3, 12);
    expect(nn.init.calculateGain("relu")).toBeCloseTo(Math.SQRT2, 12);
    expect(nn.init.calculateGain("leaky_relu")).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
    expect(nn.init.calculateGain("leakyRelu", 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    expect(nn.init.calculateGain("selu")).toBe(0.75);
    expect(nn.init.calculateFanInAndFanOut(torch.empty(3, 5, 2, 2))).toEqual([20, 12]);
  });

  test("distributions: bounds and moments", () => {
    torch.manualSeed(5);
    const t = torch.empty(300, 200);
    let s = stats(nn.init.kaimingUniform_(t, { nonlinearity: "relu" }));
    const ku = Math.sqrt(2) * Math.sqrt(3 / 200);
    expect(s.max).toBeLessThanOrEqual(ku);
    expect(s.min).toBeGreaterThanOrEqual(-ku);
    expect(s.max).toBeGreaterThan(0.99 * ku);
    s = stats(nn.init.kaimingNormal_(t, { mode: "fanOut", nonlinearity: "relu" }));
    expect(Math.abs(s.std - Math.sqrt(2 / 300))).toBeLessThan(0.002);
    expect(Math.abs(s.mean)).toBeLessThan(0.002);
    s = stats(nn.init.xavierUniform_(t, 2));
    const xa = 2 * Math.sqrt(6 / 500);
    expect(s.max).toBeLessThanOrEqual(xa);
    expect(s.max).toBeGreaterThan(0.99 * xa);
    s = stats(nn.init.xavierNormal_(t));
    expect(Math.abs(s.std - Math.sqrt(2 / 500))).toBeLessThan(0.002);
    s = stats(nn.init.uniform_(t, -3, -2));
    expect(s.min).toBeGreaterThanOrEqual(-3);
    expect(s.max).toBeLessThan(-2);
    s = stats(nn.init.normal_(t, 4, 0.5));
    expect(Math.abs(s.mean - 4)).toBeLessThan(0.01);
    expect(Math.abs(s.std - 0.5)).toBeLessThan(0.01);
    expect(nn.init.constant_(t, 0.25).amax().item()).toBe(0.25);
    expect(nn.init.ones_(t).amin().item()).toBe(1);
    expect(nn.init.zeros_(t).amax().item()).toBe(0);
    expect(() => nn.init.kaimingUniform_(t, { mode: "fan" as "fanIn" })).toThrow("Mode fan not supported, please use one of fan_in, fan_out");
  });

  test("initializers work on parameters (no gradient recorded) and take a generator", () => {
    const p = new nn.Parameter(torch.empty(4, 4));
    nn.init.xavierUniform_(p);
    expect(p.isLeaf ?? true).toBe(true);
    expect(p.requiresGrad).toBe(true);
    const a = nn.init.normal_(torch.empty(5), 0, 1, { generator: new torch.Generator().manualSeed(1) });
    const b = nn.init.normal_(torch.empty(5), 0, 1, { generator: new torch.Generator().manualSeed(1) });
    expect(torch.equal(a, b)).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// Gradients through loss.backward() (need autograd).
describe("gradients", () => {
  const withGrads = fx.layers.filter((c) => c.input_grads !== undefined);
  test.each(withGrads.map((c): [string, LayerCase] => [c.name, c]))("layer %s", (_name, c) => {
    const m = layerWithState(c);
    const inputs = c.inputs.map((e) => {
      const t = dec(e);
      return t.dtype === "float32" || t.dtype === "float64" ? t.requiresGrad_() : t;
    });
    const out = m.forward(...inputs) as Tensor;
    backward(c.cotangent ? out.mul(dec(c.cotangent)).sum() : out);
    c.input_grads!.forEach((g, i) => {
      if (g !== null) expectClose(inputs[i].grad, g, `${c.name} input ${i} grad`);
    });
    const params = new Map(m.namedParameters());
    for (const [k, g] of Object.entries(c.param_grads ?? {})) expectClose(params.get(k)!.grad, g, `${c.name} ${k} grad`);
  });

  const lossGrads = fx.losses.filter((c) => c.input_grad !== undefined);
  test.each(lossGrads.map((c): [string, LossCase] => [c.name, c]))("loss %s", (_name, c) => {
    const input = dec(c.input).requiresGrad_();
    const fn = F[c.fn] as unknown as LossFn;
    const out = fn(input, dec(c.target), lossOptions(c));
    backward(c.cotangent ? out.mul(dec(c.cotangent)).sum() : out);
    expectClose(input.grad, c.input_grad!, `${c.name} input grad`);
  });

  test("the nested model's parameter gradients", () => {
    const net = loadedNet();
    const loss = F.crossEntropy(net.forward(dec(fx.model.input), dec(fx.model.idx)), dec(fx.model.target));
    backward(loss);
    const params = new Map(net.namedParameters());
    for (const [k, g] of Object.entries(fx.model.grads)) expectClose(params.get(k)!.grad, g, `${k} grad`);
    expect(net.emb.weight.grad!.select(0, 0).abs().sum().item()).toBe(0);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  test("the chapter's training loop fits y = W x + b with manual SGD", () => {
    torch.manualSeed(5000);
    const W = torch.randn(4, 1).mul(5), b = torch.randn(1).mul(5);
    const fc = new nn.Linear(4, 1);
    let loss = Infinity;
    for (let i = 0; i < 2000 && loss >= 1e-3; i++) {
      const xs = torch.randn(32);
      const x = torch.cat([1, 2, 3, 4].map((k) => xs.unsqueeze(1).pow(k)), 1);
      const y = x.mm(W).add(b);
      fc.zeroGrad();
      const out = F.smoothL1Loss(fc.forward(x), y);
      loss = out.item() as number;
      backward(out);
      for (const p of fc.parameters()) p.data.add_(p.grad!.data.mul(-0.1));
    }
    expect(loss).toBeLessThan(1e-3);
  });
});
