// Creation functions, dtype inference, type promotion and view layouts against
// PyTorch (test/fixtures/gen_creation.py), plus tensor info and printing hooks.
import { describe, expect, test } from "@jest/globals";
import * as fs from "fs";
import * as path from "path";
import { inspect } from "util";
import * as torch from "../runtime/index";

interface Enc { shape: number[]; dtype: torch.DType; values: Array<number | boolean | string> }
const fx = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "creation.json"), "utf8")) as {
  cases: Array<{ name: string; call: string; args: unknown[]; expected: Enc }>;
  promotion: Array<{ a: torch.DType; adim: number; b?: torch.DType; bdim?: number; scalar?: number | boolean; result: torch.DType }>;
  layouts: Array<{ name: string; call: string; args: unknown[]; shape: number[]; stride: number[]; offset: number; contiguous: boolean; values: number[] }>;
};

const decode = (v: number | boolean | string): number | boolean => (typeof v === "string" ? Number(v) : v);

function run(call: string, args: unknown[]): torch.Tensor {
  const a = args as never[];
  switch (call) {
    case "tensor": return torch.tensor(a[0], a[1]);
    case "zeros": return torch.zeros(a[0], a[1]);
    case "ones": return torch.ones(a[0], a[1]);
    case "eye": return torch.eye(a[0], a[1], a[2]);
    case "full": return torch.full(a[0], a[1], a[2]);
    case "arange": return (torch.arange as (...x: unknown[]) => torch.Tensor)(...args);
    case "linspace": return torch.linspace(a[0], a[1], a[2], a[3]);
    default: throw new Error(`unknown call ${call}`);
  }
}

describe("creation matches PyTorch", () => {
  test.each(fx.cases.map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const t = run(c.call, c.args);
    expect(t.dtype).toBe(c.expected.dtype);
    expect(t.shape).toEqual(c.expected.shape);
    const got = t.reshape(-1).tolist() as Array<number | boolean>;
    const want = c.expected.values.map(decode);
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => {
      if (typeof g === "number") expect(g).toBeCloseTo(want[i] as number, 5);
      else expect(g).toBe(want[i]);
    });
  });
});

describe("type promotion matches torch.result_type", () => {
  const sample: Record<torch.DType, number | boolean> = { float32: 1.5, float64: 1.5, int32: 3, int64: 3, uint8: 3, bool: true, float16: 1.5, bfloat16: 1.5 };
  const make = (d: torch.DType, dim: number) => (dim === 0 ? torch.tensor(sample[d], { dtype: d }) : torch.tensor([sample[d]], { dtype: d }));
  test.each(fx.promotion.map((p) => [`${p.a}/${p.adim}d with ${p.b !== undefined ? `${p.b}/${p.bdim}d` : `scalar ${p.scalar}`}`, p] as const))("%s", (_n, p) => {
    const a = make(p.a, p.adim);
    const b = p.b !== undefined ? make(p.b, p.bdim ?? 1) : (p.scalar as number | boolean);
    expect(torch.resultType(a, b)).toBe(p.result);
    expect(a.add(b).dtype).toBe(p.result);  // an op really computes in that dtype
  });
});

describe("view layouts match PyTorch", () => {
  test.each(fx.layouts.map((l) => [l.name, l] as const))("%s", (_n, l) => {
    const base = torch.arange(24).reshape(2, 3, 4);
    const a = l.args as never[];
    let y: torch.Tensor;
    switch (l.call) {
      case "expandUnsq": y = base.unsqueeze(1).expand(a[0]); break;
      case "transposeView": y = base.transpose(0, 1).reshape(3, 8); break;
      case "slice": y = base.slice(a[0], a[1], a[2], a[3]); break;
      default: y = (base as unknown as Record<string, (...x: unknown[]) => torch.Tensor>)[l.call](...a);
    }
    expect(y.shape).toEqual(l.shape);
    expect(y.stride()).toEqual(l.stride);
    expect(y.storageOffset()).toBe(l.offset);
    expect(y.isContiguous()).toBe(l.contiguous);
    expect(y.reshape(-1).tolist()).toEqual(l.values);
  });
});

describe("tensor info", () => {
  test("size, dim, numel, item, tolist", () => {
    const x = torch.zeros(2, 3, 4);
    expect(x.size()).toEqual([2, 3, 4]);
    expect(x.size(-1)).toBe(4);
    expect(x.dim()).toBe(3);
    expect(x.ndim).toBe(3);
    expect(x.numel()).toBe(24);
    expect(x.device.toString()).toBe("cpu");
    expect(torch.tensor([[2.5]]).item()).toBe(2.5);
    expect(torch.tensor(true).item()).toBe(true);
    expect(torch.tensor([[1, 2], [3, 4]], { dtype: torch.int32 }).tolist()).toEqual([[1, 2], [3, 4]]);
    expect(torch.tensor(3).tolist()).toBe(3);
  });

  test("size args take varargs or an array", () => {
    expect(torch.randn(4, 1).shape).toEqual([4, 1]);
    expect(torch.randn([4, 1]).shape).toEqual([4, 1]);
    expect(torch.zeros([2, 2], { dtype: torch.int64 }).dtype).toBe("int64");
  });

  test("*Like variants keep shape and dtype", () => {
    const x = torch.zeros(2, 3, { dtype: torch.float64 });
    for (const t of [torch.onesLike(x), torch.zerosLike(x), torch.emptyLike(x), torch.fullLike(x, 2), torch.randLike(x), torch.randnLike(x)]) {
      expect(t.shape).toEqual([2, 3]);
      expect(t.dtype).toBe("float64");
    }
    expect(torch.randintLike(x, 0, 5).dtype).toBe("float64");
    expect(torch.onesLike(x, { dtype: torch.int32 }).dtype).toBe("int32");
  });

  test("Node's inspect and toString print PyTorch's repr", () => {
    const x = torch.tensor([[0.1234, -1]]);
    expect(x.toString()).toBe("tensor([[ 0.1234, -1.0000]])");
    expect(inspect(x)).toBe("tensor([[ 0.1234, -1.0000]])");
    expect(`${torch.tensor([1, 2], { dtype: torch.int32 })}`).toBe("tensor([1, 2], dtype=torch.int32)");
    const display = (x as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
    expect(display["text/plain"]).toBe("tensor([[ 0.1234, -1.0000]])");
  });

  test("to, contiguous, clone", () => {
    const x = torch.arange(6).view(2, 3);
    expect(x.to(torch.float64).dtype).toBe("float64");
    expect(x.to("cpu")).toBe(x);
    expect(x.to({ dtype: torch.int64, copy: true })).not.toBe(x);
    expect(x.t().contiguous().isContiguous()).toBe(true);
    const c = x.clone();
    c.fill_(0);
    expect(x.sum().item()).toBe(15);
    expect(x.float().type()).toBe("torch.FloatTensor");
  });
});
