/**
 * The backward engine: `tensor.backward()` and `autograd.grad()`.
 *
 * Dependencies are counted over the part of the graph reachable from the
 * roots; a node runs once every gradient for it has arrived, later-made nodes
 * first among the ready ones (as PyTorch's sequence numbers order them).
 */
import { shapeEquals, fmtShape } from "../shape";
import { Tensor } from "../tensor";
import { CPU, Device } from "../device";
import { isGradEnabled, swapGradMode } from "./grad_mode";
import { keep } from "../memory";
import { AccumulateGrad, Node, accumulateNode } from "./node";

/** Options of {@link Tensor.backward}. */
export interface BackwardOptions {
  /** keep saved tensors so the graph can be walked again (default: createGraph) */
  retainGraph?: boolean;
  /** record the backward pass itself, for higher-order gradients */
  createGraph?: boolean;
  /** accumulate only into these leaves */
  inputs?: Tensor | readonly Tensor[];
}

/** Options of {@link grad}. */
export interface GradOptions {
  /** gradients of the outputs (needed for non-scalar outputs) */
  gradOutputs?: Tensor | ReadonlyArray<Tensor | null> | null;
  retainGraph?: boolean;
  createGraph?: boolean;
  /** return null for inputs the outputs do not depend on, instead of throwing */
  allowUnused?: boolean;
}

/** @internal sums a broadcast gradient back to an input's shape */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const gs = g._shape;
  if (shapeEquals(gs, shape)) return g;
  const lead = gs.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < gs.length; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && gs[i] !== 1) dims.push(i);
  }
  let r = dims.length > 0 ? g.sum(dims, { keepdim: true }) : g;
  if (lead > 0 || !shapeEquals(r._shape, shape)) r = r.reshape(shape.slice());
  return r;
}

function checkExpandable(g: Tensor, shape: readonly number[], node: Node, i: number): void {
  const gs = g._shape;
  let ok = gs.length >= shape.length;
  for (let k = 1; ok && k <= shape.length; k++) {
    const want = shape[shape.length - k], have = gs[gs.length - k];
    if (want !== have && want !== 1) ok = false;
  }
  if (!ok) throw new Error(`Function ${node._name} returned an invalid gradient at index ${i} - got ${fmtShape(gs)} but expected shape compatible with ${fmtShape(shape)}`);
}

function implicitGrad(t: Tensor): Tensor {
  if (t.numel() !== 1) throw new Error("grad can be implicitly created only for scalar outputs");
  const g = Tensor._empty(t._shape.slice(), t.dtype, t.device);
  g.fill_(1);
  return g;
}

interface Target {
  node: Node;
  nr: number;
  index: number;
}

/**
 * @internal runs the graph from roots. With `capture`, gradients reaching
 * those (node, output) slots are returned instead of accumulated into leaves.
 */
// Note [Engine state on nodes]: dependency counts and gradient buffers live on
// the nodes, stamped with the run's generation, instead of in Maps: a small
// graph's backward is dominated by bookkeeping, and Map lookups were a fifth of it.
let generation = 0;

function run(roots: Tensor[], rootGrads: Tensor[], retain: boolean, create: boolean, capture: Target[] | null, onlyLeaves: Set<Tensor> | null): Array<Tensor | null> {
  const gen = ++generation;
  const stack: Node[] = [];
  const rootNodes: Node[] = [];
  const rootNrs: number[] = [];
  const touch = (n: Node): void => {
    n._gen = gen;
    n._deps = 0;
    n._buf = null;
    stack.push(n);
  };
  for (const r of roots) {
    const node = r._gradFn ?? accumulateNode(r);
    rootNodes.push(node);
    rootNrs.push(r._gradFn !== null ? r._outputNr : 0);
    if (node._gen !== gen) touch(node);
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    const next = n._next;
    for (let i = 0; i < next.length; i++) {
      const e = next[i];
      if (e === null) continue;
      if (e.node._gen !== gen) touch(e.node);
      e.node._deps++;
    }
  }
  // With capture, run only nodes that lead to a captured slot.
  let needed: Set<Node> | null = null;
  const captured: Array<Tensor | null> = capture === null ? [] : capture.map(() => null);
  const captureAt = new Map<Node, Target[]>();
  if (capture !== null) {
    for (const c of capture) {
      const list = captureAt.get(c.node);
      if (list === undefined) captureAt.set(c.node, [c]);
      else list.push(c);
    }
    // Nodes that lead to a captured slot, found iteratively (graphs can be
    // deeper than the call stack): a node is needed if it captures or any
    // node it sends to is needed.
    needed = new Set();
    const order: Node[] = [];
    const seen = new Set<Node>();
    const work: Array<[Node, number]> = rootNodes.filter((n) => !seen.has(n) && seen.add(n) !== undefined).map((n) => [n, 0]);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const next = top[0]._next;
      if (top[1] < next.length) {
        const e = next[top[1]++];
        if (e !== null && !seen.has(e.node)) {
          seen.add(e.node);
          work.push([e.node, 0]);
        }
      } else {
        work.pop();
        order.push(top[0]);  // post-order: every successor comes first
      }
    }
    for (const n of order) {
      let need = captureAt.has(n);
      for (const e of n._next) if (e !== null && needed.has(e.node)) need = true;
      if (need) needed.add(n);
    }
  }

  // Note [Stealing gradients]: a leaf's first gradient is stored without a copy
  // when the engine made it and handed it to nobody else (PyTorch steals a
  // gradient whose refcount is 1). `delivered` sees every hand-over; a tensor
  // handed over twice, or given by the caller, is `shared` and gets copied.
  const delivered = new Set<Tensor>();
  const shared = new Set<Tensor>(rootGrads);
  const addTo = (n: Node, nr: number, g: Tensor): void => {
    if (delivered.has(g)) shared.add(g);
    else delivered.add(g);
    let buf = n._buf;
    if (buf === null) {
      buf = [];
      n._buf = buf;
    }
    const prev = buf[nr];
    buf[nr] = prev == null ? g : prev.add(g);
  };
  for (let i = 0; i < roots.length; i++) addTo(rootNodes[i], rootNrs[i], rootGrads[i]);

  const ready: Node[] = [];
  for (const n of rootNodes) if (n._deps === 0 && !ready.includes(n)) ready.push(n);
  const prevMode = swapGradMode(create);
  try {
    while (ready.length > 0) step(ready.length === 1 ? ready.pop()! : takeLatest(ready));
  } finally {
    swapGradMode(prevMode);
    for (const n of rootNodes) n._buf = null;
  }
  return captured;

  function step(node: Node): void {
    const buf = node._buf ?? [];
    node._buf = null;
    if (capture !== null) {
      const caps = captureAt.get(node);
      if (caps !== undefined) for (const c of caps) captured[c.index] = buf[c.nr] ?? null;
    }
    if (node instanceof AccumulateGrad) {
      const g = buf[0];
      if (capture === null && g != null && (onlyLeaves === null || onlyLeaves.has(node.leaf))) {
        const base = g._base;
        const owned = !shared.has(g) && (base === null || (!delivered.has(base) && !shared.has(base)));
        accumulate(node.leaf, g, create, owned);
      }
      return;
    }
    if (node._retained !== null && capture === null) {
      node._retained.forEach((t, i) => {
        const g = buf[i];
        if (t != null && g != null) {
          accumulate(t, g, create, false);
          shared.add(g);
        }
      });
    }
    if (needed !== null && !needed.has(node)) return;

    let results: Array<Tensor | null | undefined> = [];
    const nOut = node._outShapes.length;
    let any = false;
    for (let i = 0; i < nOut; i++) if (buf[i] != null) any = true;
    if (any) {
      const grads: Tensor[] = new Array(nOut);
      for (let i = 0; i < nOut; i++) {
        const g = buf[i];
        // A missing output gradient is zeros on the device of the ones that came (the node's device).
        grads[i] = g != null ? g : Tensor._empty(node._outShapes[i].slice(), node._outDtypes[i], presentDevice(buf), true);
      }
      results = node._apply(grads);
      if (!retain) node._release();
    }
    const next = node._next;
    for (let i = 0; i < next.length; i++) {
      const e = next[i];
      if (e === null) continue;
      let g = results[i];
      if (g != null) {
        const shape = node._inShapes[i];
        if (shape !== null && !shapeEquals(g._shape, shape)) {
          checkExpandable(g, shape, node, i);
          g = sumToShape(g, shape);
        }
        const dt = node._inDtypes[i];
        if (dt !== null && g.dtype !== dt) g = g.to(dt);
        const dv = node._inDevices[i];
        if (dv != null && g._storage.device !== dv && !g.device.equals(dv)) g = g.to(dv);
        addTo(e.node, e.inputNr, g);
      }
      if (--e.node._deps === 0) ready.push(e.node);
    }
  }
}

function presentDevice(buf: ReadonlyArray<Tensor | null | undefined>): Device {
  for (const g of buf) if (g != null) return g.device;
  return CPU;
}

// The latest-made ready node first, as PyTorch's sequence numbers order them.
function takeLatest(ready: Node[]): Node {
  let best = 0;
  for (let i = 1; i < ready.length; i++) if (ready[i]._seq > ready[best]._seq) best = i;
  const node = ready[best];
  ready[best] = ready[ready.length - 1];
  ready.pop();
  return node;
}

function accumulate(t: Tensor, g: Tensor, create: boolean, owned: boolean): void {
  const prev = t.grad;
  if (prev === null) {
    if (create) t.grad = keep(g);
    // Steal an owned, plain, contiguous gradient; copy anything else (add sends one tensor to both inputs).
    else if (owned && g._gradFn === null && g.isContiguous() && g._offset === 0 && g.numel() * g.elementSize() === g._storage.nbytes) t.grad = keep(g);
    else t.grad = keep(g.detach().clone());
  } else if (create || isGradEnabled()) {
    t.grad = keep(prev.add(g));
  } else {
    prev.add_(g);
  }
}

function checkGradShape(root: Tensor, g: Tensor, i: number): Tensor {
  if (!(g instanceof Tensor)) throw new TypeError(`gradient ${i} must be a Tensor, got ${typeof g}`);
  if (!shapeEquals(root._shape, g._shape))
    throw new Error(`Mismatch in shape: grad_output[${i}] has a shape of ${fmtShape(g._shape)} and output[${i}] has a shape of ${fmtShape(root._shape)}.`);
  if (!g.device.equals(root.device))
    throw new Error(`invalid gradient at index ${i} - expected device ${root.device} but got ${g.device}`);
  // PyTorch casts a gradient of another dtype to the output's (an int64 [5, 6] works for a float output).
  return g.dtype === root.dtype ? g : g.to(root.dtype);
}

/** @internal Tensor.backward */
export function backward(roots: Tensor[], grads: ReadonlyArray<Tensor | null | undefined>, options: BackwardOptions = {}): void {
  const rootGrads: Tensor[] = [];
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i];
    if (!r._requiresGrad) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    const g = grads[i];
    rootGrads.push(g == null ? implicitGrad(r) : checkGradShape(r, g, i));
  }
  const create = options.createGraph ?? false;
  const retain = options.retainGraph ?? create;
  let only: Set<Tensor> | null = null;
  if (options.inputs !== undefined) {
    const list = options.inputs instanceof Tensor ? [options.inputs] : options.inputs;
    if (list.length === 0) throw new Error("'inputs' argument to backward() cannot be empty.");
    only = new Set(list);
  }
  run(roots, rootGrads, retain, create, null, only);
}

/**
 * Gradients of outputs with respect to inputs, returned instead of
 * accumulated into `.grad` (PyTorch's `torch.autograd.grad`).
 * @example
 * const x = torch.tensor([2.0], { requiresGrad: true });
 * const [dx] = torch.autograd.grad(x.pow(3), x, { createGraph: true }); // 3x² = 12
 * const [ddx] = torch.autograd.grad(dx!, x);                           // 6x = 12
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): Array<Tensor | null> {
  const outs = outputs instanceof Tensor ? [outputs] : outputs.slice();
  const ins = inputs instanceof Tensor ? [inputs] : inputs.slice();
  const go = options.gradOutputs;
  const gl: ReadonlyArray<Tensor | null> = go == null ? [] : go instanceof Tensor ? [go] : go;
  if (gl.length > 0 && gl.length !== outs.length)
    throw new Error(`grad requires one grad_output per output: got ${gl.length} grad_outputs and ${outs.length} outputs`);
  const rootGrads: Tensor[] = [];
  for (let i = 0; i < outs.length; i++) {
    const r = outs[i];
    if (!(r instanceof Tensor)) throw new TypeError(`outputs[${i}] must be a Tensor`);
    if (!r._requiresGrad) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    const g = gl[i];
    rootGrads.push(g == null ? implicitGrad(r) : checkGradShape(r, g, i));
  }
  const targets: Target[] = ins.map((t, index) => {
    if (!(t instanceof Tensor)) throw new TypeError(`inputs[${index}] must be a Tensor`);
    if (!t._requiresGrad) throw new Error("One of the differentiated Tensors does not require grad");
    return t._gradFn !== null ? { node: t._gradFn, nr: t._outputNr, index } : { node: accumulateNode(t), nr: 0, index };
  });
  const create = options.createGraph ?? false;
  const retain = options.retainGraph ?? create;
  const res = run(outs, rootGrads, retain, create, targets, null);
  for (let i = 0; i < res.length; i++) {
    if (res[i] === null && !options.allowUnused)
      throw new Error("One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.");
    const r = res[i];
    if (r !== null && !create) res[i] = r._gradFn !== null ? r.detach() : r;
  }
  return res;
}
