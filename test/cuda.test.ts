// CUDA without a GPU: the build flag, device parsing, the errors every CUDA
// request gives where CUDA cannot be used (a CPU-only build, no driver, no
// GPU), and that the CPU keeps working after them. These always run; the
// GPU's own tests are in test/cuda_gpu.test.ts (and test/cuda_mock.test.ts
// runs the CUDA code paths of the runtime against a host-memory stand-in).
import { describe, expect, it } from "@jest/globals";
import * as torch from "../runtime/index";
import { addon } from "../runtime/addon";
import { commonDevice } from "../runtime/dispatch";

const available = torch.cuda.isAvailable();
const why = available ? "a GPU is present" : "";
// What the no-CUDA error must say in this build.
const refusal = addon.cudaBuilt ? /Found no NVIDIA driver on your system|No CUDA GPUs are available/ : /Torch not compiled with CUDA enabled/;

describe("torch.backends.cuda", () => {
  it("isBuilt() reflects how the addon was compiled", () => {
    expect(torch.backends.cuda.isBuilt()).toBe(addon.cudaBuilt);
    expect(typeof addon.cudaDeviceCount === "function").toBe(addon.cudaBuilt);
  });

  it("matmul.allowTF32 reads and writes (false by default, as in PyTorch)", () => {
    const m = torch.backends.cuda.matmul;
    expect(m.allowTF32).toBe(false);
    m.allowTF32 = true;
    expect(m.allowTF32).toBe(true);
    m.allowTF32 = false;
    expect(m.allowTF32).toBe(false);
    expect(() => { (m as { allowTF32: unknown }).allowTF32 = 1; }).toThrow(/must be a boolean/);
  });

  it("isAvailable() and deviceCount() agree", () => {
    expect(torch.cuda.isAvailable()).toBe(torch.cuda.deviceCount() > 0);
    if (!addon.cudaBuilt) expect(torch.cuda.deviceCount()).toBe(0);
  });
});

describe("devices", () => {
  it("parses cuda device strings and (type, index)", () => {
    const d = torch.device("cuda:1");
    expect([d.type, d.index, d.toString()]).toEqual(["cuda", 1, "cuda:1"]);
    expect(torch.device("cuda", 1).equals(d)).toBe(true);
    expect(torch.device("cuda").index).toBeNull();
    expect(torch.device("cuda").toString()).toBe("cuda");
    expect(torch.device(" cuda:0 ").equals(torch.device("cuda"))).toBe(true);
    expect(torch.device(d)).toBe(d);
    const inspect = (d as unknown as Record<symbol, () => string>)[Symbol.for("nodejs.util.inspect.custom")]();
    expect(inspect).toBe("device(type='cuda', index=1)");
  });

  it("refuses malformed devices with PyTorch's messages", () => {
    expect(() => torch.device("gpu")).toThrow(/Expected one of cpu, cuda device type at start of device string: gpu/);
    expect(() => torch.device("cuda:1", 2)).toThrow(/must not include an index because index was passed explicitly/);
    expect(() => torch.device("cuda", -1)).toThrow(/Device index must not be negative/);
    expect(() => torch.device("cuda:x")).toThrow(/Expected one of cpu, cuda device type/);
  });

  it("mixing devices names both, in PyTorch's words", () => {
    const on = (s: string, dim: number) => ({ device: torch.device(s), dim: () => dim });
    expect(() => commonDevice([on("cuda:0", 1), on("cpu", 1)])).toThrow(
      "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!",
    );
    expect(() => commonDevice([on("cuda:0", 2), on("cuda:1", 2)])).toThrow(/found at least two devices, cuda:0 and cuda:1!/);
    // 0-dim CPU tensors join tensors on a GPU, as scalars do
    expect(commonDevice([on("cuda:0", 2), on("cpu", 0)]).toString()).toBe("cuda:0");
    expect(commonDevice([on("cpu", 0), on("cuda:0", 2)]).toString()).toBe("cuda:0");
  });

  it("CPU tensors say where they are", () => {
    const x = torch.ones(2);
    expect(x.isCuda).toBe(false);
    expect(x.getDevice()).toBe(-1);
    expect(x.device.toString()).toBe("cpu");
    expect(x.cpu()).toBe(x);
    expect(x.to("cpu")).toBe(x);
    expect(x.to(torch.device("cpu"))).toBe(x);
    expect(x.to({ device: "cpu", dtype: "float32" })).toBe(x);
    expect(x.to("cpu", { copy: true })).not.toBe(x);
    expect(x.toString()).toBe("tensor([1., 1.])");
  });
});

(available ? describe.skip : describe)(`without CUDA${available ? ` (skipped: ${why})` : ""}`, () => {
  it("isAvailable() is false and there are no devices", () => {
    expect(torch.cuda.isAvailable()).toBe(false);
    expect(torch.cuda.deviceCount()).toBe(0);
  });

  const requests: Array<[string, () => unknown]> = [
    ["zeros({device: 'cuda'})", () => torch.zeros(2, { device: "cuda" })],
    ["ones({device: 'cuda:0'})", () => torch.ones(2, { device: "cuda:0" })],
    ["full({device})", () => torch.full([2], 3, { device: torch.device("cuda", 0) })],
    ["empty({device})", () => torch.empty(2, { device: "cuda" })],
    ["tensor(data, {device})", () => torch.tensor([1, 2], { device: "cuda" })],
    ["arange({device})", () => torch.arange(3, { device: "cuda" })],
    ["eye({device})", () => torch.eye(2, { device: "cuda" })],
    ["rand({device})", () => torch.rand(2, { device: "cuda" })],
    ["randn({device})", () => torch.randn(2, { device: "cuda" })],
    ["randint({device})", () => torch.randint(0, 3, [2], { device: "cuda" })],
    ["zerosLike(x, {device})", () => torch.zerosLike(torch.ones(2), { device: "cuda" })],
    [".cuda()", () => torch.ones(2).cuda()],
    [".cuda(0)", () => torch.ones(2).cuda(0)],
    [".to('cuda')", () => torch.ones(2).to("cuda")],
    [".to('cuda:1')", () => torch.ones(2).to("cuda:1")],
    [".to({device, dtype})", () => torch.ones(2).to({ device: "cuda", dtype: "float64" })],
    [".to(device) with grad", () => torch.ones(2, { requiresGrad: true }).to(torch.device("cuda"))],
    ["copy_ from nowhere", () => torch.ones(2).newZeros([2], { device: "cuda" })],
    ["module.cuda()", () => new torch.nn.Linear(2, 1).cuda()],
    ["module.to('cuda')", () => new torch.nn.Linear(2, 1).to("cuda")],
    ["torch.cuda.setDevice(0)", () => torch.cuda.setDevice(0)],
    ["torch.cuda.currentDevice()", () => torch.cuda.currentDevice()],
    ["torch.cuda.device(0, fn)", () => torch.cuda.device(0, () => 1)],
    ["torch.cuda.device(0) scope", () => torch.cuda.device(0)],
    ["new torch.cuda.Stream()", () => new torch.cuda.Stream()],
    ["torch.cuda.currentStream()", () => torch.cuda.currentStream()],
    ["new torch.cuda.Event()", () => new torch.cuda.Event({ enableTiming: true })],
    ["torch.cuda.getDeviceName()", () => torch.cuda.getDeviceName()],
    ["torch.cuda.getDeviceProperties(0)", () => torch.cuda.getDeviceProperties(0)],
    ["torch.cuda.getDeviceCapability()", () => torch.cuda.getDeviceCapability()],
    ["torch.cuda.synchronize()", () => torch.cuda.synchronize()],
    ["torch.cuda.resetPeakMemoryStats()", () => torch.cuda.resetPeakMemoryStats()],
    ["torch.backends.cuda.matmulImpl()", () => torch.backends.cuda.matmulImpl()],
    ["torch.backends.cuda.blasInfo()", () => torch.backends.cuda.blasInfo()],
  ];
  it.each(requests)("%s throws the clear error", (_name, request) => {
    expect(request).toThrow(refusal);
  });

  it("the message of a CPU-only build points to the README", () => {
    if (addon.cudaBuilt) return;
    expect(() => torch.zeros(1, { device: "cuda" })).toThrow(
      "Torch not compiled with CUDA enabled (torchlab was built without nvcc; see the README's CUDA section)",
    );
  });

  it("memory queries answer 0 and emptyCache does nothing, as in PyTorch", () => {
    expect(torch.cuda.memoryAllocated()).toBe(0);
    expect(torch.cuda.maxMemoryAllocated(0)).toBe(0);
    expect(torch.cuda.memoryReserved()).toBe(0);
    expect(torch.cuda.memoryStats().allocated).toBe(0);
    expect(() => torch.cuda.emptyCache()).not.toThrow();
  });

  it("seeding works without a GPU (PyTorch queues it)", () => {
    expect(() => torch.cuda.manualSeed(1)).not.toThrow();
    expect(() => torch.cuda.manualSeedAll(2)).not.toThrow();
    expect(torch.cuda.initialSeed()).toBe(2);
    torch.manualSeed(3);
    expect(torch.cuda.initialSeed()).toBe(3);
    expect(torch.initialSeed()).toBe(3);
    expect(() => torch.cuda.manualSeed(-1)).toThrow(/non-negative integer/);
  });

  it("torch.cuda.device(null) and (-1) select nothing, without CUDA too", () => {
    expect(torch.cuda.device(null, () => 5)).toBe(5);
    expect(torch.cuda.device(-1, () => 6)).toBe(6);
    expect(() => torch.cuda.setDevice(-1)).not.toThrow();
    const scope = torch.cuda.device(null);
    scope[Symbol.dispose]();
  });

  it("the CPU keeps working after refused requests", () => {
    for (let i = 0; i < 3; i++) {
      expect(() => torch.tensor(new Float32Array(8192), { device: "cuda" })).toThrow(refusal);
      expect(() => torch.randn(64, 64).to("cuda")).toThrow(refusal);
    }
    const x = torch.arange(6, { dtype: "float32" }).reshape(2, 3);
    expect(x.mm(x.t()).tolist()).toEqual([[5, 14], [14, 50]]);
    const w = torch.ones(3, { requiresGrad: true });
    w.mul(x.sum(0)).sum().backward();
    expect(w.grad!.tolist()).toEqual([3, 5, 7]);
  });
});
