/**
 * nn.Module: the base class of layers and models. Parameters, buffers and
 * submodules are found from the instance's own properties; state dicts,
 * train/eval, conversion, printing and forward hooks work as in PyTorch.
 */
import { noGrad } from "../autograd/grad_mode";
import { Device, DeviceLike } from "../device";
import { DType, DTYPES, isFloatingPoint } from "../dtype";
import { keep } from "../memory";
import { fmtShape } from "../shape";
import { Tensor } from "../tensor";
import "../ops/copy";
import { Parameter } from "./parameter";
import { addIndent } from "./repr";

/** A forward hook: sees the inputs and output; a returned value replaces the output. */
export type ForwardHook = (module: Module, input: unknown[], output: unknown) => unknown;
/** A forward pre-hook: sees the inputs; a returned value (an array for several) replaces them. */
export type ForwardPreHook = (module: Module, input: unknown[]) => unknown;

/** What `registerForwardHook` returns: call `remove()` to unregister (also works with `using`). */
export interface RemovableHandle {
  readonly id: number;
  remove(): void;
  [Symbol.dispose](): void;
}

/** A state dict: PyTorch's key ("fc.weight", "bn.running_mean") to tensor, in module order. */
export type StateDict = Map<string, Tensor>;

/** What {@link Module.loadStateDict} accepts: a Map (as `stateDict()` returns) or a plain object. */
export type StateDictLike = ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;

/** Keys that did not match, as PyTorch's `_IncompatibleKeys`. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Target of {@link Module.to}. */
export interface ModuleToOptions {
  dtype?: DType;
  device?: DeviceLike;
}

interface ModuleState {
  buffers: Set<string>;
  nonPersistent: Set<string>;
  forwardHooks: Map<number, ForwardHook>;
  preHooks: Map<number, ForwardPreHook>;
  /** the instance's own `forward` before hooks wrapped it, if it had one */
  ownForward: PropertyDescriptor | undefined;
}

let nextHookId = 0;
const nameCache = new Map<string, string>();

/**
 * The name PyTorch would use for a property: camelCase names (starting with a
 * lowercase letter, no underscores) become snake_case (`runningMean` ->
 * `running_mean`); any other name is kept (`fc1`, `Conv2d_1a_3x3`, `0`).
 * @example nn.stateName("numBatchesTracked") // "num_batches_tracked"
 */
export function stateName(prop: string): string {
  let s = nameCache.get(prop);
  if (s === undefined) {
    s = /^[a-z][A-Za-z0-9]*$/.test(prop) && /[A-Z]/.test(prop)
      ? prop.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()
      : prop;
    nameCache.set(prop, s);
  }
  return s;
}

/** @internal */
export function checkName(name: string, what: string): void {
  if (typeof name !== "string") throw new TypeError(`${what} name should be a string. Got ${typeof name}`);
  if (name === "") throw new Error(`${what} name can't be empty string ""`);
  if (name.includes(".")) throw new Error(`${what} name can't contain ".", got: ${name}`);
}

/**
 * Base class for all neural network modules (PyTorch's `nn.Module`).
 *
 * Assigning a {@link Parameter} to a property registers a parameter; assigning a
 * Module registers a child. Order is assignment order (class fields in
 * declaration order); as everywhere in JavaScript, integer-like property names
 * ("0", "1") come before other names. Modules are not callable: call `forward`.
 * @example
 * class Net extends nn.Module {
 *   fc1 = new nn.Linear(4, 8);
 *   fc2 = new nn.Linear(8, 1);
 *   override forward(x: torch.Tensor): torch.Tensor {
 *     return this.fc2.forward(this.fc1.forward(x).relu());
 *   }
 * }
 * const net = new Net();
 * [...net.stateDict().keys()]; // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
 */
export class Module {
  /** @internal */ declare readonly _nn: ModuleState;
  /** True in training mode (the default), false after `eval()`. */
  training = true;

  constructor() {
    const state: ModuleState = { buffers: new Set(), nonPersistent: new Set(), forwardHooks: new Map(), preHooks: new Map(), ownForward: undefined };
    Object.defineProperty(this, "_nn", { value: state, enumerable: false, writable: false, configurable: false });
  }

  /**
   * The computation of the module; subclasses override it. Runs forward hooks
   * when any are registered.
   * @example const y = new nn.Linear(4, 1).forward(torch.randn(2, 4));
   */
  forward(...args: unknown[]): unknown {
    void args;
    throw new Error(`Module [${this._getName()}] is missing the required "forward" function`);
  }

  /** @internal [PyTorch name, value] of this module's own members, in order */
  _members(): Array<[string, unknown]> {
    const self = this as unknown as Record<string, unknown>;
    return Object.keys(this).map((k) => [stateName(k), self[k]]);
  }

  /** @internal the class name used in reprs and errors */
  _getName(): string {
    return this.constructor.name;
  }

  private _ownParameters(): Array<[string, Parameter]> {
    return this._members().filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  private _ownBuffers(persistentOnly = false): Array<[string, Tensor]> {
    const st = this._nn;
    return this._members().filter((e): e is [string, Tensor] =>
      e[1] instanceof Tensor && !(e[1] instanceof Parameter) && st.buffers.has(e[0]) && !(persistentOnly && st.nonPersistent.has(e[0])));
  }

  private _ownChildren(): Array<[string, Module]> {
    return this._members().filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /**
   * Adds a buffer: state that is not a parameter (running statistics). It is
   * in `stateDict()` unless `persistent` is false, and follows `to()`.
   * Access it as the property `name`.
   * @example this.registerBuffer("runningMean", torch.zeros(4));
   */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    checkName(name, "buffer");
    const self = this as unknown as Record<string, unknown>;
    const key = stateName(name);
    if (name in this && self[name] != null && !this._nn.buffers.has(key)) throw new Error(`attribute '${name}' already exists`);
    if (tensor !== null && !(tensor instanceof Tensor))
      throw new TypeError(`cannot assign '${typeof tensor}' object to buffer '${name}' (Tensor or null required)`);
    if (tensor !== null) keep(tensor);
    this._nn.buffers.add(key);
    if (options.persistent === false) this._nn.nonPersistent.add(key);
    else this._nn.nonPersistent.delete(key);
    self[name] = tensor;
  }

  /**
   * Adds a parameter (same as assigning a Parameter to the property `name`);
   * null reserves the name (like `bias=False`).
   * @example this.registerParameter("scale", new nn.Parameter(torch.ones(1)));
   */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(name, "parameter");
    const v: unknown = param;
    if (v !== null && !(v instanceof Parameter))
      throw new TypeError(`cannot assign '${v instanceof Tensor ? `Tensor(${v.dtype})` : typeof v}' object to parameter '${name}' (nn.Parameter or null required)`);
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /**
   * Adds a child module (same as assigning it to the property `name`).
   * @example this.registerModule("head", new nn.Linear(8, 2));
   */
  registerModule(name: string, module: Module | null): void {
    checkName(name, "module");
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${typeof module} is not a Module subclass`);
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  /** Same as {@link registerModule}. @example seq.addModule("act", new nn.ReLU()); */
  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  /**
   * The submodule at a dotted path ("" is this module).
   * @example net.getSubmodule("encoder.0")
   */
  getSubmodule(target: string): Module {
    if (target === "") return this;
    let mod: Module = this;
    for (const item of target.split(".")) {
      const next = mod._ownChildren().find(([k]) => k === item);
      if (next === undefined) throw new Error(`${mod._getName()} has no attribute \`${item}\``);
      mod = next[1];
    }
    return mod;
  }

  /**
   * This module and all below it, depth first, with dotted names ("" for this one); each once.
   * @example for (const [name, m] of net.namedModules()) console.log(name, m._getName());
   */
  namedModules(prefix = "", memo: Set<Module> = new Set()): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    if (memo.has(this)) return out;
    memo.add(this);
    out.push([prefix, this]);
    for (const [name, child] of this._ownChildren()) out.push(...child.namedModules(prefix === "" ? name : `${prefix}.${name}`, memo));
    return out;
  }

  /** This module and all below it, depth first. @example net.modules().length */
  modules(): Module[] {
    return this.namedModules().map((e) => e[1]);
  }

  /** Direct children with their names, each once. @example net.namedChildren() */
  namedChildren(): Array<[string, Module]> {
    const seen = new Set<Module>();
    return this._ownChildren().filter(([, m]) => !seen.has(m) && (seen.add(m), true));
  }

  /** Direct children. @example net.children() */
  children(): Module[] {
    return this.namedChildren().map((e) => e[1]);
  }

  private _namedMembers<T>(get: (m: Module) => Array<[string, T]>, prefix: string, recurse: boolean): Array<[string, T]> {
    const mods: Array<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<T>();
    const out: Array<[string, T]> = [];
    for (const [mp, m] of mods) {
      for (const [k, v] of get(m)) {
        if (seen.has(v)) continue;
        seen.add(v);
        out.push([mp === "" ? k : `${mp}.${k}`, v]);
      }
    }
    return out;
  }

  /**
   * Parameters with dotted names: own parameters first, then each child's, recursively; a shared one once.
   * @example net.namedParameters().map(([n]) => n) // ["fc1.weight", "fc1.bias", ...]
   */
  namedParameters(options: { prefix?: string; recurse?: boolean } = {}): Array<[string, Parameter]> {
    return this._namedMembers((m) => m._ownParameters(), options.prefix ?? "", options.recurse ?? true);
  }

  /**
   * All parameters (an array), in {@link namedParameters} order.
   * @example const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1 });
   */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters({ recurse }).map((e) => e[1]);
  }

  /** Buffers with dotted names (non-persistent ones included). @example bn.namedBuffers() */
  namedBuffers(options: { prefix?: string; recurse?: boolean } = {}): Array<[string, Tensor]> {
    return this._namedMembers((m) => m._ownBuffers(), options.prefix ?? "", options.recurse ?? true);
  }

  /** All buffers. @example bn.buffers() */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map((e) => e[1]);
  }

  /**
   * Sets training mode here and in every submodule (affects Dropout, BatchNorm...).
   * @example net.train(); net.train(false);
   */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError("training mode is expected to be boolean");
    this.training = mode;
    for (const m of this.children()) m.train(mode);
    return this;
  }

  /** Same as `train(false)`. @example net.eval(); */
  eval(): this {
    return this.train(false);
  }

  /**
   * Sets `requiresGrad` of every parameter (freeze with false).
   * @example backbone.requiresGrad_(false);
   */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Clears the gradients of all parameters: sets them to null (default), or
   * zeroes them in place with `{ setToNone: false }`.
   * @example net.zeroGrad();
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (setToNone) {
        p.grad = null;
      } else {
        const d = g.requiresGrad ? keep(g.detach()) : g;
        noGrad(() => d.zero_());
        p.grad = d;
      }
    }
  }

  /**
   * Calls fn on every submodule (children first) and then on this module.
   * @example net.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.bias!); });
   */
  apply(fn: (module: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Moves and/or casts parameters and buffers in place (a dtype applies to
   * floating-point tensors only). Parameters stay the same objects: their data
   * is replaced, as PyTorch does.
   * @example net.to(torch.float64); net.to("cpu"); net.to({ dtype: "float64" });
   */
  to(target: DType | DeviceLike | ModuleToOptions): this {
    let dtype: DType | undefined, dev: DeviceLike | undefined;
    if (typeof target === "string" && (DTYPES as readonly string[]).includes(target)) dtype = target as DType;
    else if (typeof target === "string" || target instanceof Device) dev = target;
    else if (typeof target === "object" && target !== null) ({ dtype, device: dev } = target);
    else throw new TypeError(`to(): expected a dtype, a device or { dtype, device }, got ${String(target)}`);
    if (dtype !== undefined && !isFloatingPoint(dtype))
      throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=${dtype}`);
    const convert = (t: Tensor): void => {
      const opts = { dtype: isFloatingPoint(t.dtype) ? dtype : undefined, device: dev };
      const alias = t.data;
      const moved = noGrad(() => alias.to(opts));
      if (moved !== alias) {
        t.data = moved;
        moved.dispose();
      }
      alias.dispose();
    };
    for (const m of this.modules()) {
      for (const [, p] of m._ownParameters()) {
        convert(p);
        if (p.grad !== null) convert(p.grad);
      }
      for (const [, b] of m._ownBuffers()) convert(b);
    }
    return this;
  }

  /** Casts floating parameters and buffers to float32. @example net.float() */
  float(): this {
    return this.to("float32");
  }

  /** Casts floating parameters and buffers to float64. @example net.double() */
  double(): this {
    return this.to("float64");
  }

  /** Casts floating parameters and buffers to float16. @example net.half() */
  half(): this {
    return this.to("float16");
  }

  /** Casts floating parameters and buffers to bfloat16. @example net.bfloat16() */
  bfloat16(): this {
    return this.to("bfloat16");
  }

  /** Moves parameters and buffers to the CPU. @example net.cpu() */
  cpu(): this {
    return this.to("cpu");
  }

  /** Moves parameters and buffers to a CUDA device. @example net.cuda() */
  cuda(device: number | null = null): this {
    return this.to(device === null ? "cuda" : `cuda:${device}`);
  }

  /**
   * Parameters and persistent buffers by PyTorch key ("0.weight",
   * "bn.running_mean"), as detached tensors sharing storage (the tensors
   * themselves with `keepVars`).
   * @example const sd = net.stateDict(); sd.get("fc.weight");
   */
  stateDict(options: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const out: StateDict = new Map();
    const keepVars = options.keepVars ?? false;
    const visit = (m: Module, prefix: string): void => {
      for (const [k, p] of m._ownParameters()) out.set(prefix + k, keepVars ? p : p.detach());
      for (const [k, b] of m._ownBuffers(true)) out.set(prefix + k, keepVars ? b : b.detach());
      for (const [k, c] of m._ownChildren()) visit(c, `${prefix}${k}.`);
    };
    visit(this, options.prefix ?? "");
    return out;
  }

  /**
   * Copies parameters and buffers from a state dict (without recording
   * gradients). With `strict` (default) missing or unexpected keys throw one
   * error listing every problem; a shape mismatch always throws.
   * @example net.loadStateDict(other.stateDict());
   */
  loadStateDict(stateDict: StateDictLike, options: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const dict: ReadonlyMap<string, unknown> = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const missingKeys: string[] = [], unexpectedKeys: string[] = [], errors: string[] = [];
    const load = (m: Module, prefix: string): void => {
      const local = new Map<string, Tensor>([...m._ownParameters(), ...m._ownBuffers(true)]);
      for (const [name, param] of local) {
        const key = prefix + name;
        if (!dict.has(key)) {
          missingKeys.push(key);
          continue;
        }
        let input = dict.get(key);
        if (!(input instanceof Tensor)) {
          errors.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${input === null ? "null" : typeof input}`);
          continue;
        }
        if (param.dim() === 0 && input.dim() === 1 && input.numel() === 1) input = input.reshape([]);
        const inp = input as Tensor;
        if (inp.shape.length !== param.shape.length || inp.shape.some((s, i) => s !== param.shape[i])) {
          errors.push(`size mismatch for ${key}: copying a param with shape ${fmtShape(inp.shape)} from checkpoint, the shape in current model is ${fmtShape(param.shape)}.`);
          continue;
        }
        try {
          noGrad(() => param.copy_(inp));
        } catch (e) {
          errors.push(`While copying the parameter named "${key}", whose dimensions in the model are ${fmtShape(param.shape)} and whose dimensions in the checkpoint are ${fmtShape(inp.shape)}, an exception occurred : ${(e as Error).message}.`);
        }
      }
      const children = m._ownChildren();
      const childNames = new Set(children.map((e) => e[0]));
      for (const key of dict.keys()) {
        if (!key.startsWith(prefix)) continue;
        const inputName = key.slice(prefix.length).split(".", 1)[0];
        if (!childNames.has(inputName) && !local.has(inputName)) unexpectedKeys.push(key);
      }
      for (const [name, child] of children) load(child, `${prefix}${name}.`);
    };
    load(this, "");
    if (strict) {
      if (unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}. `);
      if (missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}. `);
    }
    if (errors.length > 0) throw new Error(`Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join("\n\t")}`);
    return { missingKeys, unexpectedKeys };
  }

  private _hook<T>(map: Map<number, T>, hook: T): RemovableHandle {
    if (typeof hook !== "function") throw new TypeError("hook must be a function");
    const st = this._nn;
    if (st.forwardHooks.size === 0 && st.preHooks.size === 0) this._wrapForward();
    const id = nextHookId++;
    map.set(id, hook);
    const remove = (): void => {
      if (!map.delete(id)) return;
      if (st.forwardHooks.size === 0 && st.preHooks.size === 0) this._unwrapForward();
    };
    return { id, remove, [Symbol.dispose]: remove };
  }

  /**
   * Registers hook(module, input, output), called after every `forward`; a
   * returned value replaces the output.
   * @example const h = net.registerForwardHook((m, inp, out) => console.log(out)); h.remove();
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return this._hook(this._nn.forwardHooks, hook);
  }

  /**
   * Registers hook(module, input), called before every `forward`; a returned
   * value replaces the input (an array replaces the argument list).
   * @example net.registerForwardPreHook((m, inp) => [inp[0].mul(2)]);
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return this._hook(this._nn.preHooks, hook);
  }

  // Note [forward hooks]: without hooks `forward` is the prototype's method
  // (no cost). The first hook installs an own, non-enumerable `forward` that
  // runs the hooks around the original; removing the last hook restores it.
  private _wrapForward(): void {
    const st = this._nn;
    st.ownForward = Object.getOwnPropertyDescriptor(this, "forward");
    const inner = this.forward as (...args: unknown[]) => unknown;
    const wrapped = function (this: Module, ...args: unknown[]): unknown {
      let input = args;
      for (const h of st.preHooks.values()) {
        const r = h(this, input);
        if (r !== undefined) input = Array.isArray(r) ? r : [r];
      }
      let out = inner.apply(this, input);
      for (const h of st.forwardHooks.values()) {
        const r = h(this, input, out);
        if (r !== undefined) out = r;
      }
      return out;
    };
    Object.defineProperty(this, "forward", { value: wrapped, enumerable: false, writable: true, configurable: true });
  }

  private _unwrapForward(): void {
    const st = this._nn;
    if (st.ownForward !== undefined) Object.defineProperty(this, "forward", st.ownForward);
    else delete (this as { forward?: unknown }).forward;
    st.ownForward = undefined;
  }

  /**
   * Extra information for the repr (override it: `in_features=4, ...`).
   * @example new nn.Linear(4, 1).extraRepr() // "in_features=4, out_features=1, bias=True"
   */
  extraRepr(): string {
    return "";
  }

  /**
   * PyTorch's module repr: the class name, extraRepr, and children indented.
   * @example console.log(net.toString());
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra === "" ? [] : extra.split("\n");
    const childLines = this._ownChildren().map(([k, m]) => `(${k}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this._getName()}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join("\n  ")}\n`;
    }
    return `${s})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Rich output for Jupyter front ends. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}
