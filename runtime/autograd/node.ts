/**
 * The graph: a Node per recorded op (PyTorch's grad_fn), edges to the nodes
 * of its inputs, saved tensors with the version they had when saved.
 *
 * Note [Recording]: an op records by calling `record` after computing its
 * result; the gradient formula is a closure over non-tensor metadata, and
 * tensors it needs are passed as `saved` so that in-place changes are caught
 * (version counters) and a second backward through a freed graph is refused.
 * The engine reduces a formula's gradient to the input's shape and dtype
 * (undoing broadcasting), so formulas may return broadcast-shaped gradients.
 */
import { DType, isFloatingPoint } from "../dtype";
import type { Device } from "../device";
import { Tensor } from "../tensor";
import { isGradEnabled } from "./grad_mode";

/** Computes input gradients from output gradients (null: no gradient flowed). */
export type BackwardFn = (grads: Tensor[], saved: Tensor[], needs: boolean[]) => Array<Tensor | null | undefined>;

/** @internal an edge to the node of one input */
export interface Edge {
  node: Node;
  inputNr: number;
}

interface SavedSlot {
  t: Tensor;
  version: number;
}

const LEGACY: Record<DType, string> = {
  float32: "FloatTensor", float64: "DoubleTensor", int32: "IntTensor", int64: "LongTensor", uint8: "ByteTensor", bool: "BoolTensor",
  float16: "HalfTensor", bfloat16: "BFloat16Tensor",
};

let sequence = 0;

/**
 * A recorded operation (`tensor.gradFn`). `name()` and `nextFunctions` follow PyTorch.
 * @example torch.ones(2, { requiresGrad: true }).add(1).gradFn!.name() // "AddBackward0"
 */
export class Node {
  /** @internal */ _name: string;
  /** @internal one per input; null where the input needs no gradient */ _next: Array<Edge | null>;
  /** @internal shape and dtype of each input, to reduce gradients back */ _inShapes: Array<readonly number[] | null>;
  /** @internal */ _inDtypes: Array<DType | null>;
  /** @internal each input's device: a gradient computed elsewhere (after a move, or a 0-dim CPU input of a GPU op) is moved back */
  _inDevices: Array<Device | null>;
  /** @internal shape/dtype of each output, for missing gradients of multi-output nodes */ _outShapes: Array<readonly number[]>;
  /** @internal */ _outDtypes: DType[];
  /** @internal creation order: later nodes run first when both are ready */ readonly _seq = sequence++;
  /** @internal tensors that asked for retainGrad, by output number */ _retained: Array<Tensor | null> | null = null;
  /** @internal engine state (Note [Engine state on nodes]) */ _gen = 0;
  /** @internal */ _deps = 0;
  /** @internal */ _buf: Array<Tensor | null> | null = null;
  private readonly fn: BackwardFn | null;
  private saved: SavedSlot[] | null;
  private readonly hadSaved: boolean;

  constructor(name: string, fn: BackwardFn | null, next: Array<Edge | null>, saved: readonly Tensor[] | undefined) {
    this._name = name;
    this.fn = fn;
    this._next = next;
    this._inShapes = [];
    this._inDtypes = [];
    this._inDevices = [];
    this._outShapes = [];
    this._outDtypes = [];
    this.hadSaved = saved !== undefined && saved.length > 0;
    this.saved = this.hadSaved ? saved!.map(saveSlot) : null;
  }

  /**
   * The node's name, as PyTorch prints it (`MulBackward0`).
   * @example y.gradFn!.name()
   */
  name(): string {
    return this._name;
  }

  /**
   * The nodes this one sends gradients to, with the input number at each: `[node, n]`, or `[null, 0]`.
   * @example y.gradFn!.nextFunctions[0][0]!.name() // "AccumulateGrad"
   */
  get nextFunctions(): Array<[Node | null, number]> {
    return this._next.map((e) => (e === null ? [null, 0] : [e.node, e.inputNr]));
  }

  /** @internal the leaf this AccumulateGrad node writes to */
  get variable(): Tensor | null {
    return null;
  }

  /** @internal */
  _savedTensors(): Tensor[] {
    const slots = this.saved;
    if (slots === null) {
      if (this.hadSaved) {
        throw new Error(
          "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
          "Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). " +
          "Specify retainGraph: true if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.",
        );
      }
      return [];
    }
    const out: Tensor[] = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) out[i] = unpack(slots[i]);
    return out;
  }

  /** @internal true when t is one of the saved tensors */
  _savedIncludes(t: Tensor): boolean {
    return this.saved !== null && this.saved.some((s) => s.t === t);
  }

  /** @internal replaces a saved tensor (in-place ops save a copy of the value they overwrite) */
  _replaceSaved(old: Tensor, by: Tensor): boolean {
    if (this.saved === null) return false;
    let hit = false;
    for (const s of this.saved) {
      if (s.t === old) {
        s.t.__savedRelease();
        s.t = by;
        s.version = by._version.value;
        by.__savedHold();
        hit = true;
      }
    }
    return hit;
  }

  /** @internal runs the formula */
  _apply(grads: Tensor[]): Array<Tensor | null | undefined> {
    if (this.fn === null) return [];
    const saved = this._savedTensors();
    const needs = this._next.map((e) => e !== null);
    return this.fn(grads, saved, needs);
  }

  /** @internal frees saved tensors (after a backward without retainGraph) */
  _release(): void {
    const s = this.saved;
    if (s === null) return;
    this.saved = null;
    for (const slot of s) slot.t.__savedRelease();
  }

  toString(): string {
    return `<${this._name} object>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * The node that accumulates into a leaf's `.grad`.
 * @example w.mul(2).gradFn!.nextFunctions[0][0]!.name() // "AccumulateGrad"
 */
export class AccumulateGrad extends Node {
  constructor(readonly leaf: Tensor) {
    super("AccumulateGrad", null, [], undefined);
    this._outShapes = [leaf._shape];
    this._outDtypes = [leaf.dtype];
  }

  /** The leaf tensor. @example y.gradFn!.nextFunctions[0][0]!.variable */
  override get variable(): Tensor {
    return this.leaf;
  }
}

function saveSlot(t: Tensor): SavedSlot {
  t.__savedHold();
  return { t, version: t._version.value };
}

function describe(t: Tensor): string {
  return `[torch.${LEGACY[t.dtype]} [${t._shape.join(", ")}]]`;
}

function unpack(s: SavedSlot): Tensor {
  const t = s.t;
  const now = t._version.value;
  if (now !== s.version) {
    const fn = t._gradFn;
    const which = fn !== null ? `, which is output ${t._outputNr} of ${fn._name},` : "";
    throw new Error(
      `one of the variables needed for gradient computation has been modified by an inplace operation: ${describe(t)}${which} ` +
      `is at version ${now}; expected version ${s.version} instead. Hint: the backtrace further above shows the operation that ` +
      "failed to compute its gradient. The variable in question was changed in there or anywhere later. Good luck!",
    );
  }
  return t.isDisposed ? t.__savedAlias() : t;
}

/** @internal the edge a gradient for t flows along (null: t needs none) */
export function edgeOf(t: Tensor | null | undefined): Edge | null {
  if (t === null || t === undefined || !t._requiresGrad) return null;
  const fn = t._gradFn;
  if (fn !== null) return { node: fn, inputNr: t._outputNr };
  return { node: accumulateNode(t), inputNr: 0 };
}

/** @internal a leaf's AccumulateGrad node, made once */
export function accumulateNode(t: Tensor): AccumulateGrad {
  let n = t._accNode;
  if (n === null) {
    n = new AccumulateGrad(t);
    t._accNode = n;
  }
  return n as AccumulateGrad;
}

/** @internal true when an op on these inputs must record */
export function needsGrad(a: Tensor | null | undefined, b?: Tensor | null, c?: Tensor | null): boolean {
  if (!isGradEnabled()) return false;
  return (a != null && a._requiresGrad) || (b != null && b._requiresGrad) || (c != null && c._requiresGrad);
}

/** @internal true when any of these inputs must record */
export function anyNeedsGrad(ts: ReadonlyArray<Tensor | null | undefined>): boolean {
  if (!isGradEnabled()) return false;
  for (const t of ts) if (t != null && t._requiresGrad) return true;
  return false;
}

/**
 * @internal records one op: `outputs` get a node whose formula sends
 * gradients to `inputs`. Outputs of integer dtype never require grad.
 */
export function record(
  name: string, inputs: ReadonlyArray<Tensor | null | undefined>, outputs: Tensor | readonly Tensor[], fn: BackwardFn, saved?: readonly Tensor[],
): Node | null {
  const next: Array<Edge | null> = new Array(inputs.length);
  let any = false;
  for (let i = 0; i < inputs.length; i++) {
    const e = edgeOf(inputs[i]);
    next[i] = e;
    if (e !== null) any = true;
  }
  if (!any) return null;
  const node = new Node(name, fn, next, saved);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    node._inShapes.push(t == null ? null : t._shape);
    node._inDtypes.push(t == null ? null : t.dtype);
    node._inDevices.push(t == null ? null : t._storage.device);
  }
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  for (let i = 0; i < outs.length; i++) {
    const o = outs[i];
    node._outShapes.push(o._shape);
    node._outDtypes.push(o.dtype);
    if (isFloatingPoint(o.dtype)) {
      o._gradFn = node;
      o._outputNr = i;
      o.__setRequiresGradInternal(true);
    }
  }
  return node;
}

/**
 * @internal gives t's node PyTorch's name where one public op is recorded
 * through another (split through narrow, t through transpose).
 */
export function renameNode(t: Tensor, name: string): Tensor {
  if (t._gradFn !== null) t._gradFn._name = name;
  return t;
}
