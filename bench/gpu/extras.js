"use strict";
// CUDA behaviour beyond the fixture suites: placement, printing, copies
// between devices, the current device, differentiable .to(), memory
// statistics, out-of-memory recovery, streams and events, modules and
// optimizers, seeding, cuBLAS/TF32, tensors of more than 2^31 elements.
// Plain CommonJS, shared by test/cuda_gpu.test.ts and bench/gpu/check.js.
// Each check returns its problems (empty: passed); it only runs on a GPU.
const v8 = require("v8");
const vm = require("vm");
const { compare, errorText } = require("./fixtures");

let gcFn = null;
/** A full garbage collection (global.gc when exposed, else obtained once). */
function fullGC() {
  if (gcFn === null) {
    if (typeof globalThis.gc === "function") gcFn = globalThis.gc;
    else {
      v8.setFlagsFromString("--expose-gc");
      gcFn = vm.runInNewContext("gc");
    }
  }
  gcFn();
}

const MiB = 1 << 20, GiB = 1 << 30;

/** Collects problems: ok(cond, what), eq(got, want, what), throws(fn, re, what). */
function probe() {
  const problems = [];
  const show = (v) => (typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? JSON.stringify(v) : String(v));
  return {
    problems,
    ok(cond, what) { if (!cond) problems.push(what); },
    eq(got, want, what) {
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${what}: got ${show(got)}, expected ${show(want)}`);
    },
    close(got, want, tol, what) {
      const g = [].concat(got).flat(Infinity), w = [].concat(want).flat(Infinity);
      const bad = g.length !== w.length || g.some((v, i) => !(Math.abs(v - w[i]) <= tol * (1 + Math.abs(w[i]))));
      if (bad) problems.push(`${what}: got ${show(got).slice(0, 200)}, expected ${show(want).slice(0, 200)}`);
    },
    throws(fn, re, what) {
      try {
        fn();
      } catch (e) {
        if (!re.test(String(e && e.message))) problems.push(`${what}: threw "${String(e && e.message).slice(0, 300)}", expected ${re}`);
        return;
      }
      problems.push(`${what}: did not throw (expected ${re})`);
    },
    same(torch, got, ref, what, tol) { problems.push(...compare(torch, got, ref, String(got.device), tol, what)); },
  };
}

function creation(torch) {
  const p = probe();
  const c = { device: "cuda" };
  const made = {
    zeros: torch.zeros(2, 3, c), ones: torch.ones([4], c), full: torch.full([2, 2], 7, c), empty: torch.empty(3, c),
    tensor: torch.tensor([[1, 2], [3, 4]], c), arange: torch.arange(0, 10, 3, c), eye: torch.eye(3, c),
    linspace: torch.linspace(0, 1, 5, c), zerosLike: torch.zerosLike(torch.ones(2, c)), rand: torch.rand(1000, c),
    randn: torch.randn(1000, c), randint: torch.randint(3, 9, [1000], c), randperm: torch.randperm(50, c),
    f64: torch.zeros(3, { device: "cuda:0", dtype: "float64" }), bool: torch.ones(3, { device: torch.device("cuda", 0), dtype: "bool" }),
  };
  for (const [k, t] of Object.entries(made)) {
    p.eq(String(t.device), `cuda:${torch.cuda.currentDevice()}`, `${k}.device`);
    p.ok(t.isCuda && t.getDevice() === torch.cuda.currentDevice(), `${k}: isCuda/getDevice`);
  }
  p.eq(made.zeros.tolist(), [[0, 0, 0], [0, 0, 0]], "zeros");
  p.eq(made.ones.tolist(), [1, 1, 1, 1], "ones");
  p.eq(made.full.tolist(), [[7, 7], [7, 7]], "full");
  p.eq(made.tensor.tolist(), [[1, 2], [3, 4]], "tensor");
  p.eq(made.tensor.dtype, "int64", "tensor dtype");
  p.eq(made.arange.tolist(), [0, 3, 6, 9], "arange");
  p.eq(made.eye.tolist(), torch.eye(3).tolist(), "eye");
  p.close(made.linspace.tolist(), [0, 0.25, 0.5, 0.75, 1], 1e-7, "linspace");
  p.eq(made.f64.dtype, "float64", "dtype option");
  p.eq(made.bool.tolist(), [true, true, true], "bool ones");
  const r = made.rand.cpu().tolist();
  p.ok(r.every((v) => v >= 0 && v < 1), "rand in [0, 1)");
  p.ok(Math.abs(r.reduce((a, b) => a + b, 0) / r.length - 0.5) < 0.05, "rand mean near 0.5");
  const n = made.randn.cpu().tolist();
  p.ok(n.every(Number.isFinite) && Math.abs(n.reduce((a, b) => a + b, 0) / n.length) < 0.15, "randn finite, mean near 0");
  p.ok(made.randint.cpu().tolist().every((v) => Number.isInteger(v) && v >= 3 && v < 9), "randint in [3, 9)");
  p.eq(made.randperm.sort().values.tolist(), torch.arange(50).tolist(), "randperm is a permutation");
  return p.problems;
}

function printing(torch) {
  const p = probe();
  p.eq(torch.tensor([1, 2], { device: "cuda" }).toString(), "tensor([1, 2], device='cuda:0')", "int64 repr");
  p.eq(torch.tensor([1.5, 2], { device: "cuda" }).toString(), "tensor([1.5000, 2.0000], device='cuda:0')", "float repr");
  p.eq(torch.ones(2, { device: "cuda", requiresGrad: true }).toString(), "tensor([1., 1.], device='cuda:0', requires_grad=True)", "requires_grad repr");
  p.eq(torch.tensor([1, 2], { device: "cuda", dtype: "int32" }).toString(), "tensor([1, 2], device='cuda:0', dtype=torch.int32)", "int32 repr");
  const x = torch.tensor([[1, 2], [3, 4]], { device: "cuda", dtype: "float64" });
  p.eq(x.sum().item(), 10, "item()");
  p.eq(x.t().tolist(), [[1, 3], [2, 4]], "tolist() of a strided view");
  p.eq(Array.from(x.toTypedArray()), [1, 2, 3, 4], "toTypedArray() (a host copy)");
  p.ok(x.isCuda, "still on the GPU after reading");
  return p.problems;
}

function copies(torch) {
  const p = probe();
  const d = torch.zeros([2, 3], { device: "cuda", dtype: "float64" });
  d.copy_(torch.tensor([1, 2, 3]));
  p.eq(d.tolist(), [[1, 2, 3], [1, 2, 3]], "CPU int64 -> GPU float64 copy_ with broadcasting");
  p.ok(d.isCuda && d.dtype === "float64", "copy_ keeps the destination's device and dtype");
  const host = torch.zeros(3, 2);
  host.t().copy_(torch.tensor([[1, 2, 3], [4, 5, 6]], { device: "cuda" }));
  p.eq(host.tolist(), [[1, 4], [2, 5], [3, 6]], "GPU -> strided CPU view copy_");
  const g = torch.arange(6, { device: "cuda" }).reshape(2, 3);
  p.eq(g.t().cpu().tolist(), [[0, 3], [1, 4], [2, 5]], "strided GPU view -> CPU");
  const narrowDst = torch.zeros(10, { device: "cuda" });
  narrowDst.narrow(0, 3, 4).copy_(torch.arange(10).float().narrow(0, 5, 4));
  p.eq(narrowDst.tolist(), [0, 0, 0, 5, 6, 7, 8, 0, 0, 0], "offset view to offset view");
  const both = torch.tensor([1.25, 2.5], { dtype: "float32" }).to({ device: "cuda", dtype: "float64" });
  p.ok(both.isCuda && both.dtype === "float64", "to({device, dtype}) at once");
  p.eq(both.tolist(), [1.25, 2.5], "to({device, dtype}) values");
  const like = torch.ones(2).to(torch.zeros(1, { device: "cuda", dtype: "int32" }));
  p.ok(like.isCuda && like.dtype === "int32", "to(other tensor)");
  const cu = torch.ones(3, { device: "cuda" });
  p.ok(cu.to("cuda") === cu && cu.cuda() === cu, "to('cuda') on the current GPU returns the tensor itself");
  p.ok(cu.to("cuda", { copy: true }) !== cu, "copy: true always copies");
  const big = torch.randn(4 * MiB, { dtype: "float32" });  // 16 MiB each way
  p.ok(torch.equal(big.cuda().cpu(), big), "16 MiB round trip is exact");
  p.ok(torch.equal(big.cuda().mul(2).cpu(), big.mul(2)), "round trip through an op");
  if (torch.cuda.deviceCount() > 1) {
    const a = torch.arange(5, { device: "cuda:0" }).float();
    const b = a.to("cuda:1");
    p.eq(String(b.device), "cuda:1", "to('cuda:1')");
    p.eq(b.tolist(), [0, 1, 2, 3, 4], "GPU 0 -> GPU 1 values");
    const back = torch.zeros(5, { device: "cuda:0" });
    back.copy_(b.mul(3));
    p.eq(back.tolist(), [0, 3, 6, 9, 12], "GPU 1 -> GPU 0 copy_");
  }
  return p.problems;
}

function mixing(torch) {
  const p = probe();
  const g = torch.ones(3, { device: "cuda" }), c = torch.ones(3);
  p.throws(() => g.add(c), /Expected all tensors to be on the same device, but found at least two devices, (cuda:0 and cpu|cpu and cuda:0)!/, "cuda + cpu");
  p.throws(() => c.mul(g), /Expected all tensors to be on the same device/, "cpu * cuda");
  p.throws(() => torch.cat([g, c]), /Expected all tensors to be on the same device/, "cat of mixed devices");
  p.throws(() => g.mm(torch.ones(3, 1).t()), /Expected all tensors to be on the same device|shapes cannot be multiplied|must be a matrix/, "mm of mixed devices");
  return p.problems;
}

function cpuScalars(torch) {
  // PyTorch lets a 0-dim CPU tensor join GPU tensors as a scalar.
  const p = probe();
  const g = torch.tensor([1, 2, 3], { device: "cuda", dtype: "float32" });
  const r = g.mul(torch.tensor(2));
  p.ok(r.isCuda, "result of cuda * 0-dim cpu is on the GPU");
  p.eq(r.tolist(), [2, 4, 6], "cuda * 0-dim cpu");
  p.eq(torch.tensor(10).sub(g).tolist(), [9, 8, 7], "0-dim cpu - cuda");
  p.eq(torch.where(g.gt(1), g, torch.tensor(0.5)).tolist(), [0.5, 2, 3], "where with a 0-dim cpu value");
  return p.problems;
}

function currentDevice(torch) {
  const p = probe();
  const n = torch.cuda.deviceCount();
  torch.cuda.setDevice(0);
  p.eq(torch.cuda.currentDevice(), 0, "setDevice(0)");
  p.eq(torch.cuda.device(0, () => 42), 42, "device(i, fn) returns fn's value");
  const ctx = torch.cuda.device(0);
  ctx[Symbol.dispose]();
  p.eq(torch.cuda.currentDevice(), 0, "device(i) scope restores the device");
  p.throws(() => torch.cuda.setDevice(n), /invalid device ordinal/, "setDevice(deviceCount())");
  p.throws(() => torch.zeros(1, { device: `cuda:${n}` }), /invalid device ordinal/, "a tensor on a missing GPU");
  p.ok(typeof torch.cuda.getDeviceName(0) === "string" && torch.cuda.getDeviceName() === torch.cuda.getDeviceName(0), "getDeviceName");
  const props = torch.cuda.getDeviceProperties(0);
  p.ok(props.totalMemory > 0 && props.multiProcessorCount > 0 && props.major >= 5, `getDeviceProperties: ${JSON.stringify(props)}`);
  p.eq(torch.cuda.getDeviceCapability(0), [props.major, props.minor], "getDeviceCapability");
  torch.cuda.synchronize();
  if (n > 1) {
    const a = torch.ones(2, { device: "cuda:0" });
    const made = torch.cuda.device(1, () => torch.zeros(2, { device: "cuda" }));
    p.eq(String(made.device), "cuda:1", "a 'cuda' tensor made inside device(1) is on cuda:1");
    const r = torch.cuda.device(1, () => a.add(a));
    p.eq(String(r.device), "cuda:0", "an op runs on its inputs' GPU whatever the current device");
    p.throws(() => a.add(made), /Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cuda:1!/, "cuda:0 + cuda:1");
    p.eq(torch.randn(2).cuda(1).getDevice(), 1, "cuda(1)");
  }
  return p.problems;
}

function toGrad(torch) {
  const p = probe();
  const f64 = { dtype: "float64", requiresGrad: true };
  const x = torch.tensor([1, 2, 3], f64);
  const y = x.to("cuda");
  p.eq(y.gradFn && y.gradFn.name(), "ToCopyBackward0", "gradFn of a move");
  y.mul(y).sum().backward();
  p.ok(x.grad !== null && x.grad.device.type === "cpu", "the CPU leaf's grad is on the CPU");
  if (x.grad) p.eq(x.grad.tolist(), [2, 4, 6], "grad through cpu -> cuda");
  const g = torch.tensor([1, 2, 3], { ...f64, device: "cuda" });
  g.cpu().pow(2).sum().backward();
  p.ok(g.grad !== null && g.grad.isCuda, "the GPU leaf's grad is on the GPU");
  if (g.grad) p.eq(g.grad.tolist(), [2, 4, 6], "grad through cuda -> cpu");
  const h = torch.tensor([1, 2], { dtype: "float32", requiresGrad: true });
  h.to({ device: "cuda", dtype: "float64" }).mul(3).sum().backward();
  p.ok(h.grad !== null && h.grad.dtype === "float32" && h.grad.device.type === "cpu", "grad back in the source's dtype and device");
  if (h.grad) p.eq(h.grad.tolist(), [3, 3], "grad of a move and cast");
  const src = torch.tensor([1, 2, 3], f64);
  const dst = torch.zeros(2, 3, { device: "cuda", dtype: "float64" });
  dst.copy_(src);
  dst.mul(2).sum().backward();
  p.ok(src.grad !== null && src.grad.device.type === "cpu", "copy_ across devices sends the grad back to the source's device");
  if (src.grad) p.eq(src.grad.tolist(), [4, 4, 4], "grad of a broadcasting copy_ across devices");
  const r = torch.ones(2, { ...f64, device: "cuda" }).mul(2);
  p.throws(() => r.backward(torch.ones(2, { dtype: "float64" })), /invalid gradient at index 0 - expected device cuda:\d but got cpu/, "a CPU gradient for a GPU output");
  const w = torch.tensor([0.5, -1], { ...f64, device: "cuda" });
  const [gw] = torch.autograd.grad(w.cpu().pow(3).sum(), [w], { createGraph: true });
  p.ok(gw.isCuda && gw.requiresGrad, "createGraph through a move");
  const [ggw] = torch.autograd.grad(gw.sum(), [w]);
  p.eq(ggw.tolist(), [3, -6], "second derivative through a move");
  return p.problems;
}

function memory(torch, opts) {
  const p = probe();
  torch.cuda.synchronize();
  fullGC();
  const before = torch.cuda.memoryAllocated();
  const t = torch.empty([16 * MiB], { device: "cuda" });  // 64 MiB
  const during = torch.cuda.memoryAllocated();
  p.ok(during >= before + 64 * MiB, `memoryAllocated grows by the tensor (${before} -> ${during})`);
  p.ok(torch.cuda.maxMemoryAllocated() >= during, "maxMemoryAllocated >= memoryAllocated");
  p.ok(torch.cuda.memoryReserved() >= during, "memoryReserved >= memoryAllocated");
  t.dispose();
  p.ok(torch.cuda.memoryAllocated() <= before, `dispose() gives the memory back (${torch.cuda.memoryAllocated()} vs ${before})`);
  if (!opts.mock) {
    (() => { torch.empty([16 * MiB], { device: "cuda" }).add_(1); })();  // dropped, never disposed
    fullGC();
    p.ok(torch.cuda.memoryAllocated() <= before, `a dropped tensor is collected (${torch.cuda.memoryAllocated()} vs ${before})`);
  }
  const kept = torch.tidy(() => {
    const a = torch.ones([4 * MiB], { device: "cuda" });
    return a.mul(2).add(1).sum();
  });
  p.ok(torch.cuda.memoryAllocated() <= before + MiB, "tidy frees the temporaries at once");
  p.eq(kept.item(), 3 * 4 * MiB, "tidy's result survives");
  kept.dispose();
  torch.cuda.resetPeakMemoryStats();
  p.ok(torch.cuda.maxMemoryAllocated() === torch.cuda.memoryAllocated(), "resetPeakMemoryStats");
  torch.cuda.emptyCache();
  p.ok(torch.cuda.memoryReserved() >= torch.cuda.memoryAllocated(), "emptyCache keeps what is in use");
  const s = torch.cuda.memoryStats();
  for (const k of ["allocated", "peakAllocated", "reserved", "activeBlocks", "cachedBlocks", "numAllocRetries", "numOoms"])
    p.ok(typeof s[k] === "number", `memoryStats().${k}`);
  return p.problems;
}

function outOfMemory(torch, opts) {
  const p = probe();
  fullGC();
  const before = torch.cuda.memoryAllocated();
  const total = torch.cuda.getDeviceProperties().totalMemory;
  p.throws(() => torch.empty([Math.ceil((2 * total) / 4)], { device: "cuda" }), /out of memory/i, "one request larger than the GPU");
  // Hold chunks until the GPU is full: the error names the request, and the
  // process goes on once they are freed.
  const chunk = 2 ** Math.floor(Math.log2(total / 16));
  const hold = [];
  let err = null;
  for (let i = 0; i < 4 * Math.ceil(total / chunk) && err === null; i++) {
    try {
      hold.push(torch.empty([chunk / 4], { device: "cuda" }));
    } catch (e) {
      err = e;
    }
  }
  p.ok(err !== null, "filling the GPU ends in an error");
  if (err !== null) {
    p.ok(/out of memory/i.test(err.message), `OOM message: ${err.message}`);
    p.ok(/\d/.test(err.message), "the OOM message names sizes");
  }
  p.ok(hold.length >= 2, `held ${hold.length} chunks of ${chunk} bytes before failing`);
  for (const t of hold) t.dispose();
  p.ok(torch.cuda.memoryAllocated() <= before, "freed after the OOM");
  const after = torch.ones([chunk / 4], { device: "cuda" });
  p.eq(after.narrow(0, 0, 2).tolist(), [1, 1], "allocating again works");
  after.dispose();
  if (opts.mock) return p.problems;
  // Dropped tensors add up to twice the GPU: the allocator must collect them (retry after a GC).
  const retriesBefore = torch.cuda.memoryStats().numAllocRetries;
  let dropped = null;
  try {
    for (let i = 0; i < Math.ceil((2 * total) / chunk); i++) torch.empty([chunk / 4], { device: "cuda" }).fill_(i);
  } catch (e) {
    dropped = e;
  }
  p.ok(dropped === null, `dropped tensors are collected when the GPU fills (${dropped ? errorText(dropped) : "ok"})`);
  p.ok(torch.cuda.memoryStats().numAllocRetries >= retriesBefore, "numAllocRetries counts");
  return p.problems;
}

function streamsAndEvents(torch) {
  const p = probe();
  p.ok(torch.cuda.currentStream().equals(torch.cuda.defaultStream()), "the default stream is current at first");
  const s = new torch.cuda.Stream();
  const x = torch.ones(1 << 20, { device: "cuda" });
  const y = torch.cuda.stream(s, () => {
    p.ok(torch.cuda.currentStream().equals(s), "stream(s, fn) makes s current");
    return x.mul(2).add(1);
  });
  p.ok(torch.cuda.currentStream().equals(torch.cuda.defaultStream()), "stream(s, fn) restores the previous stream");
  s.synchronize();
  p.eq(s.query(), true, "query() after synchronize()");
  p.eq(y.narrow(0, 0, 3).tolist(), [3, 3, 3], "work queued on a side stream");
  const ctx = torch.cuda.stream(s);
  p.ok(torch.cuda.currentStream().equals(s), "stream(s) scope");
  const z = x.add(x);
  ctx[Symbol.dispose]();
  p.ok(torch.cuda.currentStream().equals(torch.cuda.defaultStream()), "stream(s) scope restores");
  s.synchronize();
  p.eq(z.sum().item(), 2 * (1 << 20), "work queued in a stream scope");
  torch.cuda.setStream(s);
  p.ok(torch.cuda.currentStream().equals(s), "setStream");
  torch.cuda.setStream(torch.cuda.defaultStream());
  const start = new torch.cuda.Event({ enableTiming: true }), end = new torch.cuda.Event({ enableTiming: true });
  const a = torch.randn(1024, 1024, { device: "cuda" });
  start.record();
  for (let i = 0; i < 5; i++) a.mm(a);
  end.record();
  end.synchronize();
  p.eq(end.query(), true, "query() after the event's work is done");
  const ms = start.elapsedTime(end);
  p.ok(ms > 0 && ms < 60000, `elapsedTime ${ms} ms`);
  p.throws(() => new torch.cuda.Event().record().elapsedTime(new torch.cuda.Event().record()), /enableTiming/, "elapsedTime without timing");
  p.eq(new torch.cuda.Event().query(), true, "an event never recorded is done");
  // Producer/consumer across streams without a host wait.
  const src = torch.arange(1 << 20, { device: "cuda" }).float();
  s.waitStream(torch.cuda.currentStream());
  const doubled = torch.cuda.stream(s, () => src.mul(2));
  const e = s.recordEvent();
  e.wait();
  p.eq(doubled.narrow(0, (1 << 20) - 2, 2).tolist(), [2 * ((1 << 20) - 2), 2 * ((1 << 20) - 1)], "waitStream / Event.wait order two streams");
  e.synchronize();
  p.eq(e.query(), true, "Stream.recordEvent");
  torch.cuda.defaultStream().synchronize();
  p.eq(torch.cuda.defaultStream().query(), true, "the default stream's query()");
  return p.problems;
}

function modulesAndOptim(torch) {
  const p = probe();
  const nn = torch.nn;
  const make = () => {
    torch.manualSeed(3);
    return new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
  };
  const cpuNet = make(), gpuNet = make().cuda();
  p.ok([...gpuNet.parameters()].every((t) => t.isCuda), "module.cuda() moves every parameter");
  torch.manualSeed(4);
  const x = torch.randn(16, 4), target = torch.randn(16, 1);
  const xg = x.cuda(), tg = target.cuda();
  p.same(torch, gpuNet.forward(xg), cpuNet.forward(x), "forward on cuda");
  for (const [name, mk] of [
    ["SGD momentum", (ps) => new torch.optim.SGD(ps, { lr: 0.05, momentum: 0.9 })],
    ["Adam", (ps) => new torch.optim.Adam(ps, { lr: 0.01 })],
  ]) {
    const a = make(), b = make().cuda();
    const oa = mk([...a.parameters()]), ob = mk([...b.parameters()]);
    for (let step = 0; step < 3; step++) {
      for (const [net, opt, xx, tt] of [[a, oa, x, target], [b, ob, xg, tg]]) {
        opt.zeroGrad();
        torch.nn.functional.mseLoss(net.forward(xx), tt).backward();
        opt.step();
      }
    }
    const pa = [...a.parameters()], pb = [...b.parameters()];
    pa.forEach((t, i) => p.same(torch, pb[i].detach(), t.detach(), `${name}: parameter ${i} after 3 steps`, { rtol: 1e-4, atol: 1e-5 }));
    for (const st of ob.state.values())
      for (const [k, v] of Object.entries(st)) if (v instanceof torch.Tensor && v.dim() > 0) p.ok(v.isCuda, `${name}: state ${k} on the GPU`);
  }
  gpuNet.cpu();
  p.ok([...gpuNet.parameters()].every((t) => !t.isCuda), "module.cpu() moves back");
  return p.problems;
}

function seeding(torch) {
  const p = probe();
  torch.cuda.manualSeed(123);
  const a = torch.randn(5, { device: "cuda" }).tolist();
  torch.cuda.manualSeed(123);
  p.eq(torch.randn(5, { device: "cuda" }).tolist(), a, "torch.cuda.manualSeed repeats the GPU's numbers");
  torch.manualSeed(7);
  const b = torch.rand(5, { device: "cuda" }).tolist();
  torch.manualSeed(7);
  p.eq(torch.rand(5, { device: "cuda" }).tolist(), b, "torch.manualSeed seeds the GPUs too");
  torch.manualSeed(1);
  const c1 = torch.randn(3).tolist();
  torch.manualSeed(1);
  torch.randn(3, { device: "cuda" });
  p.eq(torch.randn(3).tolist(), c1, "GPU draws do not advance the CPU generator");
  torch.cuda.manualSeedAll(9);
  p.eq(torch.cuda.initialSeed(), 9, "manualSeedAll / initialSeed");
  return p.problems;
}

function blas(torch, opts) {
  const p = probe();
  const tf = torch.backends.cuda.matmul;
  p.eq(tf.allowTF32, false, "allowTF32 is false by default");
  tf.allowTF32 = true;
  p.eq(tf.allowTF32, true, "allowTF32 set");
  tf.allowTF32 = false;
  const info = torch.backends.cuda.blasInfo();
  if (!opts.mock) p.ok(info.loaded, `cuBLAS loaded (${JSON.stringify(info)})`);
  const impl = torch.backends.cuda.matmulImpl();
  torch.manualSeed(0);
  for (const dtype of ["float32", "float64"]) {
    const a = torch.randn(200, 300, { dtype }), b = torch.randn(300, 100, { dtype });
    const ref = a.mm(b);
    const tol = dtype === "float32" ? { rtol: 1e-4, atol: 1e-4 } : undefined;
    for (const which of ["cublas", "fallback"]) {
      if (which === "cublas" && !info.loaded) continue;
      torch.backends.cuda.matmulImpl(which);
      p.same(torch, a.cuda().mm(b.cuda()), ref, `${dtype} mm with ${which}`, tol);
      p.same(torch, a.cuda().t().contiguous().t().mm(b.cuda().t().contiguous().t()), ref, `${dtype} mm of transposed layouts with ${which}`, tol);
      const ab = torch.randn(3, 40, 50, { dtype }), bb = torch.randn(3, 50, 20, { dtype });
      p.same(torch, ab.cuda().bmm(bb.cuda()), ab.bmm(bb), `${dtype} bmm with ${which}`, tol);
    }
  }
  torch.backends.cuda.matmulImpl(impl);
  return p.problems;
}

function huge(torch) {
  // More than 2^31 elements: indices must be 64-bit in every impl.
  const p = probe();
  const n = 2 ** 31 + 40;
  const x = torch.ones([n], { dtype: "uint8", device: "cuda" });
  p.eq(x.sum().item(), n, "sum of 2^31+40 uint8 ones");
  p.eq(x.narrow(0, n - 3, 3).cpu().tolist(), [1, 1, 1], "the last elements");
  const y = x.add(x);
  p.eq(y.narrow(0, n - 2, 2).tolist(), [2, 2], "elementwise add past 2^31");
  y.dispose();
  x.narrow(0, 2 ** 31 + 1, 5).fill_(7);
  p.eq(x.slice(0, 2 ** 31, null, 1).amax().item(), 7, "fill_ and amax past 2^31");
  p.eq(x.argmax().item(), 2 ** 31 + 1, "argmax past 2^31");
  x.dispose();
  const f = torch.zeros([2 ** 31 + 8], { device: "cuda" });
  f.narrow(0, 2 ** 31 + 4, 2).fill_(5);
  p.eq(f.sum().item(), 10, "float32 sum past 2^31");
  p.eq(f.nonzero().reshape(-1).tolist(), [2 ** 31 + 4, 2 ** 31 + 5], "nonzero past 2^31");
  f.dispose();
  return p.problems;
}

/**
 * The checks as {suite, name, run()}. With `mock` (test/cuda_mock.ts: host
 * memory standing in for a GPU) the parts that need a real GPU are left out:
 * memory that comes back inside a collection, cuBLAS, multi-GiB tensors.
 */
function extraChecks(torch, opts = {}) {
  const list = [
    ["creation", creation], ["printing and host reads", printing], ["copies between devices", copies],
    ["mixing devices", mixing], ["0-dim CPU tensors as scalars", cpuScalars], ["current device", currentDevice],
    ["differentiable to()", toGrad], ["memory statistics", memory], ["streams and events", streamsAndEvents],
    ["modules and optimizers", modulesAndOptim], ["seeding", seeding], ["cuBLAS, fallback GEMM and TF32", blas],
    ["tensors past 2^31 elements", huge], ["out of memory", outOfMemory],
  ].filter(([name]) => !(opts.mock && name === "tensors past 2^31 elements"));
  return list.map(([name, fn]) => ({ suite: "cuda", name, run: () => fn(torch, opts) }));
}

module.exports = { extraChecks, fullGC };
