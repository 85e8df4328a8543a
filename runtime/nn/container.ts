/**
 * Containers: Sequential, ModuleList, ModuleDict. Their children live in an
 * ordered map (keys kept verbatim: "0", "1", or the names given).
 */
import { Tensor } from "../tensor";
import { checkName, Module } from "./module";

/** @internal a module whose children are an ordered map */
export class ItemContainer extends Module {
  /** @internal */ declare readonly _items: Map<string, Module>;

  constructor() {
    super();
    Object.defineProperty(this, "_items", { value: new Map<string, Module>(), enumerable: false });
  }

  /** @internal */
  override _members(): Array<[string, unknown]> {
    return [...this._items, ...super._members()];
  }

  /** Adds (or replaces) the child `name`; null removes it. @example list.registerModule("2", new nn.ReLU()); */
  override registerModule(name: string, module: Module | null): void {
    checkName(name, "module");
    if (module === null) {
      this._items.delete(name);
      return;
    }
    if (!(module instanceof Module)) throw new TypeError(`${typeof module} is not a Module subclass`);
    this._items.set(name, module);
  }

  /** @internal a valid position in [0, length) */
  protected _index(idx: number): number {
    const n = this._items.size;
    if (!Number.isInteger(idx) || idx < -n || idx >= n) throw new RangeError(`index ${idx} is out of range`);
    return idx < 0 ? idx + n : idx;
  }

  /** @internal the children renumbered "0".."n-1" */
  protected _renumber(mods: Module[]): void {
    this._items.clear();
    mods.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Number of children. @example seq.length */
  get length(): number {
    return this._items.size;
  }
}

/**
 * A chain of modules: `forward` feeds each module's output to the next.
 * Built from modules (named "0", "1", ...) or from an object / Map of named modules.
 * @example
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
 * const y = model.forward(torch.randn(2, 4));
 * model.get(0); // the first Linear
 */
export class Sequential extends ItemContainer {
  constructor(...modules: Module[]);
  constructor(modules: Readonly<Record<string, Module>> | ReadonlyMap<string, Module>);
  constructor(...args: Array<Module | Readonly<Record<string, Module>> | ReadonlyMap<string, Module>>) {
    super();
    if (args.length === 1 && !(args[0] instanceof Module)) {
      const named = args[0];
      const entries = named instanceof Map ? [...named] : Object.entries(named as Record<string, Module>);
      for (const [k, m] of entries) this.registerModule(k, m);
    } else {
      args.forEach((m, i) => this.registerModule(String(i), m as Module));
    }
  }

  /** Runs the modules in order. @example model.forward(x) */
  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this._items.values()) x = m.forward(x);
    return x as Tensor;
  }

  /** The module at a position (negative counts from the end). @example model.get(-1) */
  get(idx: number): Module {
    return [...this._items.values()][this._index(idx)];
  }

  /** Replaces the module at a position. @example model.set(0, new nn.Linear(4, 16)); */
  set(idx: number, module: Module): void {
    this.registerModule([...this._items.keys()][this._index(idx)], module);
  }

  /** A Sequential of the modules in [start, end), keeping their names. @example model.slice(0, 2) */
  slice(start?: number, end?: number): Sequential {
    return new Sequential(new Map([...this._items].slice(start, end)));
  }

  /** Adds a module at the end. @example model.append(new nn.Sigmoid()); */
  append(module: Module): this {
    this.registerModule(String(this._items.size), module);
    return this;
  }

  /** Inserts a module before position idx (children are renumbered). @example model.insert(1, new nn.Dropout()); */
  insert(idx: number, module: Module): this {
    const n = this._items.size;
    if (!Number.isInteger(idx) || idx < -n || idx > n) throw new RangeError(`Index out of range: ${idx}`);
    const mods = [...this._items.values()];
    mods.splice(idx < 0 ? idx + n : idx, 0, module);
    this._renumber(mods);
    return this;
  }

  /** Appends several modules. @example model.extend([new nn.ReLU(), new nn.Linear(8, 1)]); */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** The modules in order. */
  [Symbol.iterator](): IterableIterator<Module> {
    return this._items.values();
  }
}

/**
 * A list of modules whose parameters are registered (a plain array would not be).
 * @example
 * const layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 * for (const l of layers) x = l.forward(x);
 */
export class ModuleList extends ItemContainer {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  /** The module at a position (negative counts from the end). @example layers.get(0) */
  get(idx: number): Module {
    return [...this._items.values()][this._index(idx)];
  }

  /** Replaces the module at a position. @example layers.set(0, new nn.Identity()); */
  set(idx: number, module: Module): void {
    this.registerModule(String(this._index(idx)), module);
  }

  /** A ModuleList of the modules in [start, end). @example layers.slice(1) */
  slice(start?: number, end?: number): ModuleList {
    return new ModuleList([...this._items.values()].slice(start, end));
  }

  /** Adds a module at the end. @example layers.append(new nn.Linear(4, 2)); */
  append(module: Module): this {
    this.registerModule(String(this._items.size), module);
    return this;
  }

  /** Appends several modules. @example layers.extend([a, b]); */
  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== "function")
      throw new TypeError("ModuleList.extend should be called with an iterable");
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts a module before position idx. @example layers.insert(0, new nn.Identity()); */
  insert(idx: number, module: Module): this {
    const mods = [...this._items.values()];
    const n = mods.length;
    mods.splice(idx < 0 ? Math.max(0, idx + n) : Math.min(idx, n), 0, module);
    this._renumber(mods);
    return this;
  }

  /** The modules in order. */
  [Symbol.iterator](): IterableIterator<Module> {
    return this._items.values();
  }
}

/**
 * A string-keyed, ordered map of modules (keys are used verbatim in names and state dicts).
 * Iterating it gives its keys, as in PyTorch.
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
 * heads.get("cls")!.forward(x);
 */
export class ModuleDict extends ItemContainer {
  constructor(modules: Readonly<Record<string, Module>> | Iterable<readonly [string, Module]> = {}) {
    super();
    this.update(modules);
  }

  /** The module under key, or undefined. @example heads.get("cls") */
  get(key: string): Module | undefined {
    return this._items.get(key);
  }

  /** Adds or replaces a module. @example heads.set("aux", new nn.Linear(8, 2)); */
  set(key: string, module: Module): void {
    this.registerModule(key, module);
  }

  /** @example heads.has("cls") */
  has(key: string): boolean {
    return this._items.has(key);
  }

  /** Removes a key and returns its module (PyTorch's `pop`). @example heads.pop("aux") */
  pop(key: string): Module {
    const m = this._items.get(key);
    if (m === undefined) throw new Error(`KeyError: '${key}'`);
    this._items.delete(key);
    return m;
  }

  /** Removes every module. @example heads.clear() */
  clear(): void {
    this._items.clear();
  }

  /** Adds the entries of an object, a Map or [key, module] pairs. @example heads.update({ x: new nn.ReLU() }); */
  update(modules: Readonly<Record<string, Module>> | Iterable<readonly [string, Module]>): void {
    const entries = typeof (modules as Iterable<readonly [string, Module]>)[Symbol.iterator] === "function"
      ? [...(modules as Iterable<readonly [string, Module]>)]
      : Object.entries(modules as Record<string, Module>);
    for (const [k, m] of entries) this.registerModule(k, m);
  }

  /** @example [...heads.keys()] */
  keys(): IterableIterator<string> {
    return this._items.keys();
  }

  /** @example [...heads.values()] */
  values(): IterableIterator<Module> {
    return this._items.values();
  }

  /** @example for (const [k, m] of heads.entries()) ... */
  entries(): IterableIterator<[string, Module]> {
    return this._items.entries();
  }

  /** The keys, as iterating a PyTorch ModuleDict gives. */
  [Symbol.iterator](): IterableIterator<string> {
    return this._items.keys();
  }
}
