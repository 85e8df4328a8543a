// Optimizers and LR schedulers against PyTorch 1.13's trajectories
// (test/fixtures/optim.json, made by gen_optim.py), plus validation errors,
// state dicts, zeroGrad, closures, and survival of state across tidy scopes.
import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../runtime/index";
import type { Tensor } from "../runtime/index";
import { optim } from "../runtime/index";
import { noGrad } from "../runtime/autograd/grad_mode";

interface OptimCase {
  name: string;
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  options: Record<string, unknown>;
  groups?: Array<{ params: number[]; options: Record<string, unknown> }>;
  params: Array<{ values: number[]; shape: number[] }>;
  targets: number[][];
  coefs: number[];
  steps: number;
  skipOdd?: boolean;
  scheduler?: SchedSpec;
  trajectory: number[][][];
}
interface SchedSpec {
  type: "StepLR" | "MultiStepLR" | "ExponentialLR" | "CosineAnnealingLR" | "LambdaLR";
  options: Record<string, unknown>;
}
interface SchedCase extends SchedSpec {
  name: string;
  lrs: number[];
  steps: number;
  lastLrs: number[][];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "optim.json"), "utf8")) as {
  optimizers: OptimCase[];
  schedulers: SchedCase[];
};

// The same functions as LAMBDAS in gen_optim.py.
const LAMBDAS: Record<string, optim.LrLambda> = {
  pow095: (e) => 0.95 ** e,
  inv: (e) => 1.0 / (e + 1),
  warmup: (e) => Math.min(1.0, (e + 1) / 4),
};

type AnyOptimizer = optim.Optimizer<optim.OptimizerOptions>;

function makeOptimizer(name: OptimCase["optimizer"], params: optim.Params<never> | unknown[], options: Record<string, unknown>): AnyOptimizer {
  const p = params as Iterable<Tensor>;
  switch (name) {
    case "SGD": return new optim.SGD(p, options as unknown as optim.SGDOptions);
    case "Adam": return new optim.Adam(p, options);
    case "AdamW": return new optim.AdamW(p, options);
    case "RMSprop": return new optim.RMSprop(p, options);
    case "Adagrad": return new optim.Adagrad(p, options);
  }
}

function makeScheduler(opt: AnyOptimizer, spec: SchedSpec): optim.LRScheduler {
  const o = spec.options;
  switch (spec.type) {
    case "StepLR": return new optim.StepLR(opt, o as unknown as optim.StepLROptions);
    case "MultiStepLR": return new optim.MultiStepLR(opt, o as unknown as optim.MultiStepLROptions);
    case "ExponentialLR": return new optim.ExponentialLR(opt, o as unknown as optim.ExponentialLROptions);
    case "CosineAnnealingLR": return new optim.CosineAnnealingLR(opt, o as unknown as optim.CosineAnnealingLROptions);
    case "LambdaLR": {
      const f = o.lrLambda as string | string[];
      return new optim.LambdaLR(opt, { lrLambda: Array.isArray(f) ? f.map((n) => LAMBDAS[n]!) : LAMBDAS[f]! });
    }
  }
}

function leaf(values: number[], shape: number[]): Tensor {
  return torch.tensor(values, { dtype: torch.float32 }).reshape(shape).requiresGrad_();
}

/** A case's params (fresh leaves), targets, and the optimizer over them. */
function setup(c: OptimCase, startValues?: number[][]) {
  const params = c.params.map((p, i) => leaf(startValues?.[i] ?? p.values, p.shape));
  const targets = c.targets.map((t, i) => torch.tensor(t, { dtype: torch.float32 }).reshape(c.params[i]!.shape));
  const spec = c.groups === undefined ? params : c.groups.map((g) => ({ params: g.params.map((i) => params[i]!), ...g.options }));
  const opt = makeOptimizer(c.optimizer, spec, c.options);
  return { params, targets, opt };
}

/** g = (p - target) * (2c) + sin(p * 3) * 0.1, with gen_optim.py's ops in its order. */
function setGrads(c: OptimCase, params: Tensor[], targets: Tensor[], k: number): void {
  noGrad(() => {
    params.forEach((p, i) => {
      if (c.skipOdd && i === 1 && k % 2 === 1) p.grad = null;
      else p.grad = p.sub(targets[i]!).mul(2.0 * c.coefs[i]!).add(p.mul(3.0).sin().mul(0.1));
    });
  });
}

function flat(t: Tensor): number[] {
  return Array.from(t.detach().contiguous().toTypedArray() as Float32Array);
}

/** First mismatch between got and expected, or null. */
function mismatch(got: number[], exp: number[], rtol = 1e-5, atol = 1e-6): string | null {
  if (got.length !== exp.length) return `length ${got.length} vs ${exp.length}`;
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i]! - exp[i]!) <= atol + rtol * Math.abs(exp[i]!))) return `element ${i}: got ${got[i]}, expected ${exp[i]}`;
  }
  return null;
}

function checkStep(c: OptimCase, params: Tensor[], k: number): void {
  params.forEach((p, i) => {
    const m = mismatch(flat(p), c.trajectory[k]![i]!);
    if (m !== null) throw new Error(`${c.name}: param ${i} after step ${k + 1}: ${m}`);
  });
}

describe("optimizer trajectories match PyTorch 1.13", () => {
  test.each(fixture.optimizers.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { params, targets, opt } = setup(c);
    const sched = c.scheduler !== undefined ? makeScheduler(opt, c.scheduler) : null;
    for (let k = 0; k < c.steps; k++) {
      setGrads(c, params, targets, k);
      opt.step();
      sched?.step();
      checkStep(c, params, k);
    }
    // parameters are updated in place: same objects, still leaves that require grad
    const inGroups = opt.paramGroups.flatMap((g) => g.params);
    for (const p of params) {
      expect(inGroups).toContain(p);
      expect(p.requiresGrad).toBe(true);
    }
  });
});

describe("stateDict / loadStateDict", () => {
  const cases = fixture.optimizers.filter((c) => c.scheduler === undefined);
  test.each(cases.map((c) => [c.name, c] as const))("save after 5 steps, load into a fresh optimizer, continue: %s", (_name, c) => {
    const a = setup(c);
    for (let k = 0; k < 5; k++) {
      setGrads(c, a.params, a.targets, k);
      a.opt.step();
    }
    const sd = a.opt.stateDict();
    // a fresh optimizer over fresh parameters with the same values, with other hyper-parameters
    const b = setup({ ...c, options: { ...c.options, lr: 123 } }, a.params.map(flat));
    b.opt.loadStateDict(sd);
    expect(b.opt.paramGroups.map((g) => g.lr)).toEqual(a.opt.paramGroups.map((g) => g.lr));
    for (let k = 5; k < c.steps; k++) {
      setGrads(c, b.params, b.targets, k);
      b.opt.step();
      checkStep(c, b.params, k);
    }
    // the loaded state was copied, not shared
    const sa = a.opt.state.get(a.params[0]!)!;
    const sb = b.opt.state.get(b.params[0]!)!;
    for (const key of Object.keys(sa)) {
      if (sa[key] instanceof torch.Tensor) expect(sb[key]).not.toBe(sa[key]);
    }
  });

  test("PyTorch's structure and keys", () => {
    const w = leaf([1, 2, 3], [3]);
    const b = leaf([0.5], [1]);
    const opt = new optim.Adam([{ params: [w] }, { params: [b], lr: 0.1, amsgrad: true }], { lr: 0.01, weightDecay: 0.1 });
    w.grad = torch.ones(3);
    b.grad = torch.ones(1);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd)).toEqual(["state", "param_groups"]);
    expect(Object.keys(sd.state[0]!).sort()).toEqual(["exp_avg", "exp_avg_sq", "step"]);
    expect(Object.keys(sd.state[1]!).sort()).toEqual(["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]);
    expect(sd.state[0]!.step).toBe(1);
    expect(sd.param_groups).toEqual([
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: false, maximize: false, params: [0] },
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: true, maximize: false, params: [1] },
    ]);
    const sgd = new optim.SGD([w], { lr: 0.1 });
    sgd.step();
    expect(sgd.stateDict().state[0]).toEqual({ momentum_buffer: null });  // as PyTorch: None without momentum
    const ada = new optim.Adagrad([w, b], { lr: 0.1, initialAccumulatorValue: 0.5 });
    expect(Object.keys(ada.stateDict().state)).toEqual(["0", "1"]);  // created with the optimizer
    expect(flat(ada.stateDict().state[1]!.sum as Tensor)).toEqual([0.5]);
  });

  test("loadStateDict accepts PyTorch's tensor `step` and initial_lr, and rejects mismatched groups", () => {
    const w = leaf([1, 2], [2]);
    const opt = new optim.Adam([w], { lr: 0.5 });
    opt.loadStateDict({
      state: { 7: { step: torch.tensor(3.0), exp_avg: torch.ones(2, { dtype: torch.float64 }), exp_avg_sq: torch.ones(2) } },
      param_groups: [{ lr: 0.25, betas: [0.8, 0.9], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, foreach: null, initial_lr: 0.3, params: [7] }],
    });
    const st = opt.state.get(w)!;
    expect(st.step).toBe(3);
    expect((st.exp_avg as Tensor).dtype).toBe("float32");
    expect(opt.paramGroups[0]!.lr).toBe(0.25);
    expect(opt.paramGroups[0]!.betas).toEqual([0.8, 0.9]);
    expect(opt.paramGroups[0]!.initial_lr).toBe(0.3);
    expect(opt.paramGroups[0]!.params[0]).toBe(w);
    expect(() => opt.loadStateDict({ state: {}, param_groups: [] })).toThrow("loaded state dict has a different number of parameter groups");
    expect(() => opt.loadStateDict({ state: {}, param_groups: [{ lr: 1, params: [0, 1] }] })).toThrow(
      "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
    );
  });
});

describe("validation errors", () => {
  const p = () => leaf([1, 2], [2]);
  test.each([
    ["SGD lr", () => new optim.SGD([p()], { lr: -1 }), "Invalid learning rate: -1"],
    ["SGD momentum", () => new optim.SGD([p()], { lr: 0.1, momentum: -0.5 }), "Invalid momentum value: -0.5"],
    ["SGD weight decay", () => new optim.SGD([p()], { lr: 0.1, weightDecay: -1 }), "Invalid weight_decay value: -1"],
    ["SGD nesterov", () => new optim.SGD([p()], { lr: 0.1, nesterov: true }), "Nesterov momentum requires a momentum and zero dampening"],
    ["SGD nesterov dampening", () => new optim.SGD([p()], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), "Nesterov momentum requires a momentum and zero dampening"],
    ["SGD no lr", () => new optim.SGD([p()], {} as optim.SGDOptions), "parameter group didn't specify a value of required optimization parameter lr"],
    ["Adam lr", () => new optim.Adam([p()], { lr: -0.001 }), "Invalid learning rate: -0.001"],
    ["Adam eps", () => new optim.Adam([p()], { eps: -1 }), "Invalid epsilon value: -1"],
    ["Adam beta0", () => new optim.Adam([p()], { betas: [1, 0.999] }), "Invalid beta parameter at index 0: 1"],
    ["Adam beta1", () => new optim.Adam([p()], { betas: [0.9, -0.1] }), "Invalid beta parameter at index 1: -0.1"],
    ["AdamW weight decay", () => new optim.AdamW([p()], { weightDecay: -0.01 }), "Invalid weight_decay value: -0.01"],
    ["RMSprop alpha", () => new optim.RMSprop([p()], { alpha: -1 }), "Invalid alpha value: -1"],
    ["RMSprop momentum", () => new optim.RMSprop([p()], { momentum: -1 }), "Invalid momentum value: -1"],
    ["Adagrad lr decay", () => new optim.Adagrad([p()], { lrDecay: -1 }), "Invalid lr_decay value: -1"],
    ["Adagrad initial accumulator", () => new optim.Adagrad([p()], { initialAccumulatorValue: -1 }), "Invalid initial_accumulator_value value: -1"],
    ["group lr", () => new optim.SGD([{ params: [p()], lr: -2 }], { lr: 0.1 }), "Invalid learning rate: -2"],
    ["lr type", () => new optim.SGD([p()], { lr: "0.1" as unknown as number }), "Invalid learning rate must be a number, got string"],
    ["empty", () => new optim.SGD([], { lr: 0.1 }), "optimizer got an empty parameter list"],
    ["a tensor", () => new optim.SGD(p() as unknown as Tensor[], { lr: 0.1 }), "params argument given to the optimizer should be an iterable of Tensors or dicts, but got Tensor"],
    ["not iterable", () => new optim.SGD(5 as unknown as Tensor[], { lr: 0.1 }), "params argument given to the optimizer should be an iterable of Tensors or dicts, but got number"],
    ["a number param", () => new optim.SGD([p(), 3 as unknown as Tensor], { lr: 0.1 }), "optimizer can only optimize Tensors, but one of the params is number"],
    ["a null param", () => new optim.Adam([null as unknown as Tensor]), "optimizer can only optimize Tensors, but one of the params is null"],
    ["a set", () => new optim.SGD([{ params: new Set([p()]) }], { lr: 0.1 }), "optimizer parameters need to be organized in ordered collections"],
  ] as const)("%s", (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test("a parameter in two groups", () => {
    const w = p();
    expect(() => new optim.SGD([{ params: [w] }, { params: [p(), w] }], { lr: 0.1 })).toThrow("some parameters appear in more than one parameter group");
    const opt = new optim.Adam([w]);
    expect(() => opt.addParamGroup({ params: [w] })).toThrow("some parameters appear in more than one parameter group");
  });

  test("a non-leaf tensor", () => {
    const y = p().mul(2);  // made by autograd
    expect(y.isLeaf).toBe(false);
    expect(() => new optim.SGD([y], { lr: 0.1 })).toThrow("can't optimize a non-leaf Tensor");
    expect(() => new optim.Adam([p(), p()]).addParamGroup({ params: [y] })).toThrow("can't optimize a non-leaf Tensor");
    // a tensor that does not require grad is accepted, as in PyTorch (frozen parameters)
    expect(() => new optim.SGD([torch.zeros(2)], { lr: 0.1 })).not.toThrow();
  });

  test("scheduler errors", () => {
    const w = p();
    const opt = new optim.SGD([{ params: [w] }, { params: [p()] }], { lr: 0.1 });
    expect(() => new optim.StepLR({} as AnyOptimizer, { stepSize: 2 })).toThrow("Object is not an Optimizer");
    expect(() => new optim.LambdaLR(opt, { lrLambda: [(e) => e] })).toThrow("Expected 2 lr_lambdas, but got 1");
    expect(() => new optim.StepLR(opt, { stepSize: 2, lastEpoch: 4 })).toThrow(
      "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer",
    );
    expect(() => new optim.StepLR(opt, { stepSize: 0 })).toThrow("stepSize must be a positive integer, got 0");
    expect(() => new optim.CosineAnnealingLR(opt, {} as optim.CosineAnnealingLROptions)).toThrow("TMax must be a positive integer");
  });
});

describe("step, zeroGrad and memory", () => {
  test("zeroGrad sets grads to null by default, or zeros them in place", () => {
    const w = leaf([1, 2], [2]);
    const b = leaf([3], [1]);
    const opt = new optim.SGD([w, b], { lr: 0.1 });
    w.grad = torch.tensor([5, 6], { dtype: torch.float32 });
    opt.zeroGrad();
    expect(w.grad).toBeNull();
    expect(b.grad).toBeNull();
    const g = torch.tensor([5, 6], { dtype: torch.float32 });
    w.grad = g;
    opt.zeroGrad({ setToNone: false });
    expect(w.grad).toBe(g);
    expect(g.tolist()).toEqual([0, 0]);
    expect(b.grad).toBeNull();
  });

  test("parameters without a grad are skipped and get no state", () => {
    const w = leaf([1, 2], [2]);
    const b = leaf([3], [1]);
    const opt = new optim.Adam([w, b], { lr: 0.1 });
    w.grad = torch.ones(2);
    opt.step();
    expect(b.tolist()).toEqual([3]);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.get(w)!.step).toBe(1);
  });

  test("updates are in place: memory shared with the parameter sees them", () => {
    const w = leaf([1, 2], [2]);
    const view = w.numpy() as Float32Array;
    const opt = new optim.SGD([w], { lr: 0.5 });
    w.grad = torch.tensor([1, -2], { dtype: torch.float32 });
    opt.step();
    expect(Array.from(view)).toEqual([0.5, 3]);
  });

  test("step(closure) runs the closure and returns its loss", () => {
    const w = leaf([1, 2], [2]);
    const opt = new optim.SGD([w], { lr: 0.5 });
    let calls = 0;
    const loss = opt.step(() => {
      calls++;
      w.grad = torch.ones(2);
      return 42;
    });
    expect(loss).toBe(42);
    expect(calls).toBe(1);
    expect(w.tolist()).toEqual([0.5, 1.5]);
    expect(opt.step()).toBeUndefined();
  });

  test("state tensors survive tidy scopes; temporaries do not leak into them", () => {
    const w = leaf([1, 2, 3], [3]);
    const opt = new optim.RMSprop([w], { lr: 0.01, momentum: 0.9, centered: true });
    for (let k = 0; k < 3; k++) {
      torch.tidy(() => {
        w.grad = w.mul(2).detach();
        opt.step();
      });
    }
    const st = opt.state.get(w)!;
    for (const key of ["square_avg", "momentum_buffer", "grad_avg"]) {
      const t = st[key] as Tensor;
      expect(t.isDisposed).toBe(false);
      expect(t.sum().item()).not.toBe(0);
    }
    expect(w.isDisposed).toBe(false);
    expect(st.step).toBe(3);
  });

  test("addParamGroup fills in defaults; lr changed in paramGroups is used", () => {
    const w = leaf([1], [1]);
    const b = leaf([1], [1]);
    const opt = new optim.SGD([w], { lr: 0.1, momentum: 0.5 });
    opt.addParamGroup({ params: b, lr: 0.01 });
    expect(opt.paramGroups[1]!.momentum).toBe(0.5);
    expect(opt.paramGroups[1]!.params).toEqual([b]);
    opt.paramGroups[0]!.lr = 1;
    w.grad = torch.ones(1);
    b.grad = torch.ones(1);
    opt.step();
    expect(w.item()).toBeCloseTo(0, 6);
    expect(b.item()).toBeCloseTo(0.99, 6);
  });

  test("Adagrad creates state for a group added later", () => {
    const w = leaf([1], [1]);
    const b = leaf([1], [1]);
    const opt = new optim.Adagrad([w], { lr: 0.1 });
    opt.addParamGroup({ params: [b], initialAccumulatorValue: 1 });
    b.grad = torch.ones(1);
    opt.step();
    expect(b.item()).toBeCloseTo(1 - 0.1 / Math.sqrt(2), 6);
  });

  test("a custom optimizer subclasses Optimizer", () => {
    class SignSGD extends optim.Optimizer<{ lr: number }> {
      constructor(params: Iterable<Tensor>, options: { lr: number }) {
        super(params, options);
      }
      protected _updateGroup(group: optim.ParamGroup<{ lr: number }>): void {
        this._forEachParam(group, (_p, param, grad, state) => {
          param.add_(grad.sign(), { alpha: -group.lr });
          state.step = Number(state.step ?? 0) + 1;
        });
      }
    }
    const w = leaf([1, -1], [2]);
    const opt = new SignSGD([w], { lr: 0.25 });
    w.grad = torch.tensor([3, -0.5], { dtype: torch.float32 });
    opt.step();
    expect(w.tolist()).toEqual([0.75, -0.75]);
    expect(opt.stateDict().state[0]).toEqual({ step: 1 });
  });

  test("toString prints PyTorch's repr", () => {
    const opt = new optim.SGD([leaf([1], [1])], { lr: 0.1 });
    expect(opt.toString()).toBe(
      "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n    weightDecay: 0\n)",
    );
  });
});

describe("with autograd", () => {
  test.each([
    ["SGD", (ps: Tensor[]) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9 })],
    ["Adam", (ps: Tensor[]) => new optim.Adam(ps, { lr: 0.1 })],
    ["AdamW", (ps: Tensor[]) => new optim.AdamW(ps, { lr: 0.1 })],
    ["RMSprop", (ps: Tensor[]) => new optim.RMSprop(ps, { lr: 0.02 })],
    ["Adagrad", (ps: Tensor[]) => new optim.Adagrad(ps, { lr: 0.5 })],
  ] as const)("%s fits y = 3x + 1 with loss.backward()", (_name, make) => {
    const x = torch.linspace(-1, 1, 16).reshape([16, 1]);
    const y = x.mul(3).add(1);
    const w = torch.zeros(1, 1).requiresGrad_();
    const b = torch.zeros(1).requiresGrad_();
    const opt = make([w, b]);
    const lossAt = () => torch.tidy(() => noGrad(() => x.matmul(w).add(b).sub(y).pow(2).mean().item() as number));
    const first = lossAt();
    for (let k = 0; k < 150; k++) {
      torch.tidy(() => {
        opt.zeroGrad();
        const loss = x.matmul(w).add(b).sub(y).pow(2).mean();
        loss.backward();
        opt.step();
      });
    }
    expect(w.isLeaf).toBe(true);
    expect(w.requiresGrad).toBe(true);
    expect(lossAt()).toBeLessThan(first * 0.05);
  });
});

describe("LR schedulers match PyTorch 1.13", () => {
  function setupSched(c: SchedCase) {
    const params = c.lrs.map(() => leaf([0, 0], [2]));
    const opt = new optim.SGD(params.map((p, i) => ({ params: [p], lr: c.lrs[i]! })), { lr: 0.1 });
    return { opt, sched: makeScheduler(opt, c) };
  }
  function expectLrs(got: number[], exp: number[], label: string): void {
    const m = mismatch(got, exp, 1e-12, 1e-15);
    if (m !== null) throw new Error(`${label}: ${m}`);
  }

  test.each(fixture.schedulers.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { opt, sched } = setupSched(c);
    expect(opt.paramGroups.map((g) => g.initial_lr)).toEqual(c.lrs);
    expect(sched.lastEpoch).toBe(0);
    expectLrs(sched.getLastLr(), c.lastLrs[0]!, "after construction");
    for (let k = 1; k <= c.steps; k++) {
      opt.step();
      sched.step();
      expectLrs(sched.getLastLr(), c.lastLrs[k]!, `step ${k}`);
      expectLrs(opt.paramGroups.map((g) => g.lr), c.lastLrs[k]!, `group lr at step ${k}`);
    }
    expect(sched.lastEpoch).toBe(c.steps);
  });

  test.each(fixture.schedulers.map((c) => [c.name, c] as const))("stateDict round trip: %s", (_name, c) => {
    const a = setupSched(c);
    for (let k = 1; k <= 5; k++) {
      a.opt.step();
      a.sched.step();
    }
    const b = setupSched(c);
    b.opt.loadStateDict(a.opt.stateDict());
    b.sched.loadStateDict(a.sched.stateDict());
    expect(b.sched.lastEpoch).toBe(5);
    expect(b.sched.getLastLr()).toEqual(a.sched.getLastLr());
    for (let k = 6; k <= c.steps; k++) {
      b.opt.step();
      b.sched.step();
      expectLrs(b.sched.getLastLr(), c.lastLrs[k]!, `step ${k} after load`);
    }
  });

  test("stateDict has PyTorch's attribute names", () => {
    const opt = new optim.SGD([leaf([0], [1])], { lr: 0.1 });
    const sched = new optim.MultiStepLR(opt, { milestones: [2, 5, 5], gamma: 0.5 });
    expect(sched.stateDict()).toEqual({
      base_lrs: [0.1], last_epoch: 0, _step_count: 1, verbose: false, _get_lr_called_within_step: false, _last_lr: [0.1],
      milestones: { 2: 1, 5: 2 }, gamma: 0.5,
    });
    const cos = new optim.CosineAnnealingLR(new optim.SGD([leaf([0], [1])], { lr: 0.1 }), { TMax: 10 });
    expect(cos.stateDict()).toMatchObject({ T_max: 10, eta_min: 0 });
    const lam = new optim.LambdaLR(new optim.SGD([leaf([0], [1])], { lr: 0.1 }), { lrLambda: (e) => e });
    expect(lam.stateDict().lr_lambdas).toEqual([null]);
  });

  describe("warnings", () => {
    const warned = (w: jest.SpiedFunction<typeof process.emitWarning>, text: string): boolean =>
      w.mock.calls.some((c) => String(c[0]).includes(text) && (c as unknown[])[1] === "UserWarning");
    let warn: jest.SpiedFunction<typeof process.emitWarning>;
    beforeEach(() => { warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined); });
    afterEach(() => warn.mockRestore());

    test("step(epoch) uses the closed form (with PyTorch's deprecation warning)", () => {
      const opt = new optim.SGD([leaf([0], [1])], { lr: 0.1 });
      const sched = new optim.StepLR(opt, { stepSize: 3, gamma: 0.5 });
      opt.step();
      sched.step(7);
      expect(sched.getLastLr()[0]).toBeCloseTo(0.1 * 0.25, 15);
      expect(sched.lastEpoch).toBe(7);
      const ms = new optim.MultiStepLR(new optim.SGD([leaf([0], [1])], { lr: 1 }), { milestones: [2, 5, 5], gamma: 0.1 });
      ms.step(5);
      expect(ms.getLastLr()[0]).toBeCloseTo(1e-3, 15);
      expect(warned(warn, "The epoch parameter in `scheduler.step()`")).toBe(true);
    });

    test("scheduler.step() before optimizer.step() warns, as in PyTorch", () => {
      const opt = new optim.SGD([leaf([0], [1])], { lr: 0.1 });
      const sched = new optim.ExponentialLR(opt, { gamma: 0.5 });
      sched.step();
      expect(warned(warn, "Detected call of `lr_scheduler.step()` before `optimizer.step()`")).toBe(true);
      warn.mockClear();
      opt.step();
      sched.step();
      expect(warn).not.toHaveBeenCalled();
    });

    test("resuming with lastEpoch uses initial_lr", () => {
      const opt = new optim.SGD([leaf([0], [1])], { lr: 0.1 });
      new optim.StepLR(opt, { stepSize: 2 });
      opt.paramGroups[0]!.lr = 0.05;
      const resumed = new optim.ExponentialLR(opt, { gamma: 0.5, lastEpoch: 3 });
      expect(resumed.baseLrs).toEqual([0.1]);
      expect(resumed.lastEpoch).toBe(4);
      expect(resumed.getLastLr()).toEqual([0.025]);
    });
  });
});

describe("steps and the graph", () => {
  test("a graph that saved a parameter refuses backward after step(), as in PyTorch", () => {
    const w = torch.tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1 });
    w.mul(w).sum().backward();
    const stale = w.mul(w).sum();
    opt.step();
    expect(() => stale.backward()).toThrow(/modified by an inplace operation/);
  });
});
