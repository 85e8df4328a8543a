/**
 * The Optimizer base class: parameter groups, step with closure, zeroGrad,
 * stateDict / loadStateDict (PyTorch 1.13's torch/optim/optimizer.py).
 */
import { Tensor } from "../tensor";
import { isFloatingPoint } from "../dtype";
import { keep, tidy } from "../memory";
import { enableGrad, noGrad } from "../autograd/grad_mode";
import "../ops/copy";
import "../ops/creation";

/** Options every optimizer has: the learning rate. */
export interface OptimizerOptions {
  /** learning rate */
  lr: number;
}

/**
 * A parameter group as the optimizer keeps it: its tensors and every option
 * filled in (the group's own value, else the optimizer's default). Schedulers
 * change `lr` and add `initial_lr`, as in PyTorch. Extra keys are kept.
 */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O & {
  /** the tensors this group optimizes */
  params: Tensor[];
  /** the lr a scheduler started from (set when a scheduler is constructed) */
  initial_lr?: number;
  [key: string]: unknown;
};

/**
 * A parameter group as given to a constructor or `addParamGroup`: its tensors
 * and any options that differ from the optimizer's defaults.
 */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & {
  /** the tensors (a single tensor is accepted too) */
  params: Iterable<Tensor> | Tensor;
  [key: string]: unknown;
};

/** What optimizers accept as `params`: tensors, or parameter groups. */
export type Params<O extends OptimizerOptions = OptimizerOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** A value in a parameter's state: a buffer tensor, a step count, or null (SGD without momentum). */
export type StateValue = Tensor | number | null;

/** One parameter's state, with PyTorch's keys (`momentum_buffer`, `exp_avg`, `exp_avg_sq`, `step`, ...). */
export type ParamState = Record<string, StateValue>;

/** A parameter group in a state dict: snake_case option keys and parameter indices. */
export interface PackedParamGroup {
  /** indices of the group's parameters, counted across groups */
  params: number[];
  [key: string]: unknown;
}

/**
 * An optimizer's state dict, with PyTorch's structure: `state` keyed by
 * parameter index, `param_groups` with snake_case options and `params` as indices.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: PackedParamGroup[];
}

/** Options of {@link Optimizer.zeroGrad}. */
export interface ZeroGradOptions {
  /** set grads to null (default, as in PyTorch 2.x) instead of filling them with zeros */
  setToNone?: boolean;
}

/** @internal a readable type name for error messages */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "Array";
  if (typeof v === "object") {
    const c = (v as { constructor?: { name?: string } }).constructor;
    return c?.name !== undefined && c.name !== "" ? c.name : "object";
  }
  return typeof v;
}

/** @internal checks that an option is a number and passes `ok`, else throws PyTorch's message */
export function checkNumber(value: unknown, ok: (v: number) => boolean, message: string): void {
  if (typeof value !== "number") throw new TypeError(`${message.replace(/:$/, "")} must be a number, got ${typeName(value)}`);
  if (Number.isNaN(value) || !ok(value)) throw new Error(`${message} ${value}`);
}

function isLeaf(p: Tensor): boolean {
  const t = p as unknown as { isLeaf?: unknown; retainsGrad?: unknown };
  if (typeof t.isLeaf === "boolean") return t.isLeaf || t.retainsGrad === true;
  return p.gradFn === null || t.retainsGrad === true;
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return v !== null && v !== undefined && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

function isPlainGroup(v: unknown): v is ParamGroupInput {
  return typeof v === "object" && v !== null && !(v instanceof Tensor) && !isIterable(v);
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (m) => "_" + m.toLowerCase());
const camel = (k: string): string => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function copyValue(v: unknown): unknown {
  return Array.isArray(v) ? v.slice() : v;
}

/**
 * Base class of all optimizers (PyTorch's `torch.optim.Optimizer`).
 *
 * Subclasses implement {@link Optimizer._updateGroup}; `step` runs it for
 * every group with grad mode off. Updates are in place on each parameter's
 * data, so parameter identity is kept; parameters whose `grad` is null are
 * skipped. State tensors are kept alive past `torch.tidy` scopes.
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** The options a group falls back to when it does not set them. */
  readonly defaults: O;
  /** The parameter groups; options (such as `lr`) may be changed between steps. */
  paramGroups: Array<ParamGroup<O>> = [];
  /** Per-parameter state (momentum buffers, moment estimates, step counts). */
  readonly state = new Map<Tensor, ParamState>();
  /** @internal counts step() calls since a scheduler was attached (for its warning) */
  _stepCount = 0;

  /**
   * @param params tensors, or parameter groups `{ params, ...options }`
   * @param defaults options for groups that do not set their own; an undefined
   *   value marks a required option (SGD's lr)
   */
  protected constructor(params: Params<O>, defaults: O) {
    this.defaults = defaults;
    if (params instanceof Tensor)
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got Tensor`);
    if (!isIterable(params))
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typeName(params)}`);
    const list: unknown[] = [...params];
    if (list.length === 0) throw new Error("optimizer got an empty parameter list");
    const groups = isPlainGroup(list[0]) ? list : [{ params: list }];
    for (const g of groups) this.addParamGroup(g as ParamGroupInput<O>);
  }

  /** Checks a group's options (after defaults are filled in) and throws PyTorch's messages; subclasses override it. */
  protected _validate(_group: O): void {}

  /** Updates the parameters of one group; `step` calls it with grad mode off. Custom optimizers implement it. */
  protected abstract _updateGroup(group: ParamGroup<O>): void;

  /**
   * Adds a parameter group (for example layers unfrozen while fine-tuning).
   * Options it does not set come from the optimizer's defaults.
   * @example opt.addParamGroup({ params: head.parameters(), lr: 1e-3 });
   */
  addParamGroup(paramGroup: ParamGroupInput<O>): void {
    if (!isPlainGroup(paramGroup)) throw new TypeError(`param group must be an object like { params: [...] }, got ${typeName(paramGroup)}`);
    const raw = paramGroup.params;
    let params: unknown[];
    if (raw instanceof Tensor) params = [raw];
    else if (raw instanceof Set)
      throw new TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.");
    else if (isIterable(raw)) params = [...raw];
    else throw new TypeError(`param group's params must be a Tensor or an iterable of Tensors, got ${typeName(raw)}`);

    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeName(p)}`);
      if (!isLeaf(p)) throw new Error("can't optimize a non-leaf Tensor");
      if (p.isDisposed) throw new Error("optimizer got a disposed Tensor as a parameter");
    }
    const group: Record<string, unknown> = { ...paramGroup, params };
    for (const [name, value] of Object.entries(this.defaults)) {
      if (group[name] !== undefined) continue;
      if (value === undefined)
        throw new Error(`parameter group didn't specify a value of required optimization parameter ${name}`);
      group[name] = copyValue(value);
    }
    this._validate(group as unknown as O);

    const tensors = params as Tensor[];
    if (new Set(tensors).size !== tensors.length)
      process.emitWarning("optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information", "UserWarning");
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    if (tensors.some((p) => seen.has(p))) throw new Error("some parameters appear in more than one parameter group");
    this.paramGroups.push(group as ParamGroup<O>);
  }

  /**
   * Performs one optimization step. A closure, if given, is run first with
   * grad mode on (it should zero the grads, compute the loss and call
   * backward) and its result is returned.
   * @example
   * opt.step();
   * const loss = opt.step(() => { opt.zeroGrad(); const l = lossFn(model.forward(x), y); l.backward(); return l; });
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    let loss: L | undefined;
    if (closure !== undefined) {
      if (typeof closure !== "function") throw new TypeError(`step(closure): closure must be a function, got ${typeName(closure)}`);
      loss = enableGrad(closure);
      if (loss instanceof Promise) throw new TypeError("step(closure): closure must be synchronous (it returned a Promise); await your loss first and call step() without a closure");
    }
    noGrad(() => {
      for (const group of this.paramGroups) this._updateGroup(group);
    });
    this._stepCount++;
    return loss;
  }

  /**
   * Clears the gradients of all optimized tensors: sets them to null (the
   * default, as in PyTorch 2.x), or with `{ setToNone: false }` fills them
   * with zeros in place.
   * @example opt.zeroGrad(); opt.zeroGrad({ setToNone: false });
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
        } else {
          noGrad(() => {
            if (g.gradFn !== null) p.grad = g.detach();
            else if (g.requiresGrad) g.requiresGrad = false;
            p.grad!.zero_();
          });
        }
      }
    }
  }

  /**
   * The optimizer's state as PyTorch structures it: `state` keyed by
   * parameter index (in group order) with PyTorch's keys, and `param_groups`
   * with snake_case option names and `params` as indices. Tensors are the
   * live state tensors, not copies (as in PyTorch).
   * @example const sd = opt.stateDict(); sd.state[0].exp_avg;
   */
  stateDict(): OptimizerStateDict {
    const mapping = new Map<Tensor, number>();
    let start = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== "params") packed[snake(k)] = copyValue(v);
      g.params.forEach((p, i) => { if (!mapping.has(p)) mapping.set(p, start + i); });
      const indices = g.params.map((p) => mapping.get(p)!);
      start += indices.length;
      return { ...packed, params: indices } as PackedParamGroup;
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = mapping.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from {@link Optimizer.stateDict} (or PyTorch's, with
   * tensors already converted): groups take the saved options, each
   * parameter's state is copied (cast to the parameter's dtype and device).
   * @example opt2.loadStateDict(opt.stateDict());
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    if (typeof stateDict !== "object" || stateDict === null || !Array.isArray(stateDict.param_groups) || typeof stateDict.state !== "object")
      throw new TypeError("loadStateDict expects an object { state, param_groups } as stateDict() returns");
    const groups = this.paramGroups;
    const saved = stateDict.param_groups;
    if (groups.length !== saved.length) throw new Error("loaded state dict has a different number of parameter groups");
    if (groups.some((g, i) => g.params.length !== saved[i]!.params.length))
      throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");

    const idMap = new Map<number, Tensor>();
    saved.forEach((sg, i) => sg.params.forEach((id, j) => idMap.set(Number(id), groups[i]!.params[j]!)));

    const state = new Map<Tensor, ParamState>();
    tidy(() => {
      for (const [k, v] of Object.entries(stateDict.state)) {
        const p = idMap.get(Number(k));
        if (p === undefined) continue;
        const s: ParamState = {};
        for (const [key, value] of Object.entries(v as ParamState)) s[key] = castState(p, key, value);
        state.set(p, s);
      }
    });

    const newGroups = saved.map((sg, i) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) {
        if (k === "params") continue;
        const c = camel(k);
        g[c in this.defaults ? c : k] = copyValue(v);
      }
      for (const [name, value] of Object.entries(this.defaults)) if (g[name] === undefined && value !== undefined) g[name] = copyValue(value);
      g.params = groups[i]!.params;
      return g as ParamGroup<O>;
    });
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
    this.paramGroups = newGroups;
  }

  /** @internal the state of p, created empty on first use */
  protected _stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * For custom optimizers: runs fn(p, param, grad, state) for each parameter of the group that has a grad,
   * freeing temporaries after each. `param` is `p` itself: steps run with grad mode off, and in-place
   * updates bump its version as in PyTorch, so a graph that saved the old value refuses a later backward.
   */
  protected _forEachParam(group: ParamGroup<O>, fn: (p: Tensor, param: Tensor, grad: Tensor, state: ParamState) => void): void {
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const state = this._stateOf(p);
      tidy(() => { fn(p, p, grad, state); });
    }
  }

  /**
   * PyTorch's repr: the class name and each group's options.
   * @example console.log(opt.toString());
   */
  toString(): string {
    let s = `${this.constructor.name} (`;
    this.paramGroups.forEach((g, i) => {
      s += `\nParameter Group ${i}\n`;
      for (const k of Object.keys(g).filter((k) => k !== "params").sort()) s += `    ${k}: ${formatOption(g[k])}\n`;
    });
    return s + ")";
  }

  /** @internal Node's inspect prints the repr */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function formatOption(v: unknown): string {
  if (Array.isArray(v)) return `(${v.map(formatOption).join(", ")})`;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v === null || v === undefined) return "None";
  return String(v);
}

function castState(p: Tensor, key: string, value: StateValue): StateValue {
  if (!(value instanceof Tensor)) return value;
  // PyTorch keeps `step` as a 0-dim tensor in some optimizers; torchlab keeps a number.
  if (key === "step") return Number(value.item());
  const dtype = isFloatingPoint(p.dtype) ? p.dtype : value.dtype;
  const moved = value.to({ dtype, device: p.device });
  return keep(moved === value ? value.clone() : moved);
}

