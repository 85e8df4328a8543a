// float16 / bfloat16 as dtypes: casts (edge values, every 16-bit pattern and
// a 200k sample of roundings, against PyTorch 1.13 through test/fixtures/
// half.json; the casts on the GPU too when one is present), type promotion,
// creation and reading, printing, and the native entry points refusing 16-bit
// codes they have no path for.
import { createHash } from "crypto";
import { describe, expect, it } from "@jest/globals";
import * as torch from "../runtime/index";
import type { DType } from "../runtime/index";
import { addon } from "../runtime/addon";
import { toBfloat16Bits, toHalfBits } from "../runtime/float16";
import { FIXTURE, bitsOf, build, compare, dec, decode16, devices, isNanBits } from "./half_helpers";

const SIXTEEN: DType[] = ["float16", "bfloat16"];
const toBits = (d: DType) => (d === "float16" ? toHalfBits : toBfloat16Bits);

function sha256(a: Uint16Array | Uint32Array): string {
  return createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");
}

function xorshift32(seed: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x;
  }
  return out;
}

// gen_half.py's sample_bits: float32 patterns around the dtype's range, a quarter on or next to a tie.
function sampleBits(dtype: DType, n: number): Uint32Array {
  const seeds = xorshift32(dtype === "float16" ? 0x9e3779b9 : 0x85ebca6b, n);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const u = seeds[i];
    const sign = u & 0x80000000;
    let man = u & 0x7fffff;
    const sel = (u >>> 3) & 7;
    const exp = dtype === "float16" ? 100 + (((u >>> 23) & 0xff) % 46) : (u >>> 23) & 0xff;
    const low = dtype === "float16" ? 0x1fff : 0xffff, tie = dtype === "float16" ? 0x1000 : 0x8000;
    if (sel === 0) man = (man & ~low) | tie;
    else if (sel === 1) man = (man & ~low) | (tie - 1);
    else if (sel === 2) man = (man & ~low) | (tie + 1);
    out[i] = (sign | (exp << 23) | man) >>> 0;
  }
  return out;
}

function canonical(bits: Uint16Array, dtype: DType): Uint16Array {
  return bits.map((b) => (isNanBits(b, dtype) ? 0x7fff : b));
}

describe("casts to 16 bits (PyTorch's bits)", () => {
  for (const row of FIXTURE.casts.toSixteen as Array<{ src: DType; values: Array<number | string>; float16: number[]; bfloat16: number[] }>) {
    for (const dtype of SIXTEEN) {
      it(`${row.src} -> ${dtype}, native cast and JS conversion`, () => {
        const src = torch.tensor(row.values.map(dec) as number[], { dtype: row.src });
        const native = bitsOf(src.to(dtype));
        const js = row.values.map((v) => toBits(dtype)(dec(v) as number));
        const want = row[dtype as "float16" | "bfloat16"];
        const bad: string[] = [];
        want.forEach((w, i) => {
          for (const [who, got] of [["native", native[i]], ["js", js[i]]] as const) {
            const same = isNanBits(w, dtype) ? isNanBits(got, dtype) : got === w;
            if (!same) bad.push(`${who} ${row.values[i]}: 0x${got.toString(16)}, expected 0x${w.toString(16)}`);
          }
        });
        expect(bad).toEqual([]);
      });
    }
  }
});

describe("casts from 16 bits", () => {
  for (const row of FIXTURE.casts.fromSixteen as Array<{ dtype: DType; to: Record<string, { bits: number[]; values: Array<number | string | boolean> }> }>) {
    for (const [target, exp] of Object.entries(row.to)) {
      it(`${row.dtype} -> ${target}`, () => {
        const bits = exp.bits;
        const t = torch.frombuffer(new Uint16Array(bits).buffer, { dtype: row.dtype });
        const r = t.to(target as DType);
        if (target === "float16" || target === "bfloat16") {
          const got = bitsOf(r);
          const bad = (exp.values as number[]).filter((w, i) => (isNanBits(w, target as DType) ? !isNanBits(got[i], target as DType) : got[i] !== w));
          expect(bad).toEqual([]);
        } else {
          expect(compare(r, { dtype: target as DType, shape: [bits.length], values: exp.values }, 0, target)).toEqual([]);
        }
      });
    }
  }
});

describe("every 16-bit pattern and a 200k sample of roundings", () => {
  for (const [dtype, dev] of SIXTEEN.flatMap((d) => devices().map((v) => [d, v] as const))) {
    it(`${dtype}: all 65536 patterns decode as PyTorch's (native on ${dev}, and JS)`, () => {
      const all = new Uint16Array(65536).map((_, i) => i);
      const native = torch.frombuffer(all.buffer, { dtype }).to(dev).float().cpu()._data() as Float32Array;
      const js = Float32Array.from(all, (b) => decode16(b, dtype));
      for (const f of [native, js]) {
        const u = new Uint32Array(f.buffer, f.byteOffset, f.length).map((v) => ((v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0 ? 0x7fc00000 : v));
        expect(sha256(u)).toBe(FIXTURE.casts.decodeDigest[dtype]);
      }
    });
    it(`${dtype}: float32 -> ${dtype} rounding of the sample matches PyTorch (native on ${dev}, and JS)`, () => {
      const { n, digest, head } = FIXTURE.casts.roundSample[dtype] as { n: number; digest: string; head: number[] };
      const src = new Float32Array(sampleBits(dtype, n).buffer);
      const native = canonical(Uint16Array.from(bitsOf(torch.fromTypedArray(src).to(dev).to(dtype))), dtype);
      const js = canonical(Uint16Array.from(src, (v) => toBits(dtype)(v)), dtype);
      expect(Array.from(native.subarray(0, head.length))).toEqual(head);
      expect(Array.from(js.subarray(0, head.length))).toEqual(head);
      expect(sha256(native)).toBe(digest);
      expect(sha256(js)).toBe(digest);
    });
  }
  it("float16 -> bfloat16 -> float16 and the reverse go through float (one rounding each)", () => {
    const h = torch.tensor([0.1, 65504, 1e-7, -3.3], { dtype: "float16" });
    expect(h.to("bfloat16").to("float32").tolist()).toEqual(torch.tensor(h.tolist() as number[], { dtype: "bfloat16" }).float().tolist());
  });
});

describe("type promotion (torch.result_type)", () => {
  const operand = (k: [string, DType | number | boolean]) => {
    if (k[0] === "scalar") return k[1] as number | boolean;
    return torch.zeros(k[0] === "tensor" ? [2] : [], { dtype: k[1] as DType });
  };
  it.each((FIXTURE.promotion as Array<{ a: [string, DType]; b: [string, DType | number | boolean]; result: DType }>).map((c) => [`${c.a.join(" ")} with ${c.b.join(" ")}`, c] as const))("%s", (_n, c) => {
    const a = operand(c.a) as ReturnType<typeof torch.zeros>, b = operand(c.b);
    expect(torch.resultType(a, b)).toBe(c.result);
    expect(a.add(b).dtype).toBe(c.result);
  });
  it("promoteTypes and the dtype list", () => {
    expect(torch.promoteTypes("float16", "bfloat16")).toBe("float32");
    expect(torch.promoteTypes("bfloat16", "float16")).toBe("float32");
    expect(torch.promoteTypes("int64", "float16")).toBe("float16");
    expect(torch.promoteTypes("bfloat16", "float64")).toBe("float64");
    expect(torch.DTYPES).toContain("float16");
    expect(torch.DTYPES).toContain("bfloat16");
  });
});

describe("16-bit tensors: creation, reading, info", () => {
  for (const dtype of SIXTEEN) {
    it(`${dtype}: item, tolist, toTypedArray, elementSize, type, isFloatingPoint`, () => {
      const t = torch.tensor([[1.5, -0.1], [65504, 1e-7]], { dtype });
      const want = (t.float().tolist() as number[][]).flat();
      expect((t.tolist() as number[][]).flat()).toEqual(want);
      expect(t.select(0, 0).select(0, 1).item()).toBe(want[1]);
      const arr = t.t().toTypedArray();
      expect(arr).toBeInstanceOf(Float32Array);
      expect(Array.from(arr as Float32Array)).toEqual([want[0], want[2], want[1], want[3]].map(Math.fround));
      expect(t.elementSize()).toBe(2);
      expect(t.type()).toBe(dtype === "float16" ? "torch.HalfTensor" : "torch.BFloat16Tensor");
      expect(torch.isFloatingPoint(dtype)).toBe(true);
      expect(t.half().dtype).toBe("float16");
      expect(t.bfloat16().dtype).toBe("bfloat16");
      expect(torch.ones([2], { dtype, requiresGrad: true }).requiresGrad).toBe(true);
    });
    it(`${dtype}: zeros, ones, full, eye, arange, linspace, rand, randn, fill_`, () => {
      expect(torch.zeros([2], { dtype }).tolist()).toEqual([0, 0]);
      expect(torch.ones([2], { dtype }).tolist()).toEqual([1, 1]);
      expect(torch.full([2], 0.1, { dtype }).tolist()).toEqual(torch.tensor([0.1, 0.1], { dtype }).tolist());
      expect(torch.eye(2, { dtype }).tolist()).toEqual([[1, 0], [0, 1]]);
      expect(torch.arange(0, 1, 0.25, { dtype }).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
      expect(torch.linspace(0, 1, 3, { dtype }).tolist()).toEqual([0, 0.5, 1]);
      for (const r of [torch.rand(1000, { dtype }), torch.randn(1000, { dtype })]) {
        expect(r.dtype).toBe(dtype);
        const v = r.tolist() as number[];
        expect(v.every((x) => Number.isFinite(x))).toBe(true);
        expect(v.every((x) => x === decode16(toBits(dtype)(x), dtype))).toBe(true);
      }
      const f = torch.zeros([3], { dtype }).fill_(1 / 3);
      expect(f.tolist()).toEqual(torch.tensor([1 / 3, 1 / 3, 1 / 3], { dtype }).tolist());
      const u = torch.zeros([4, 4], { dtype }).t().uniform_(-1, 1);
      expect((u.tolist() as number[][]).flat().every((x) => x >= -1 && x <= 1)).toBe(true);
    });
  }
  it("the default dtype may be a 16-bit float", () => {
    const prev = torch.getDefaultDtype();
    try {
      torch.setDefaultDtype("float16");
      expect(torch.tensor([1.5]).dtype).toBe("float16");
      expect(torch.tensor([1, 2]).add(0.5).dtype).toBe("float16");
      expect(torch.zeros(2).dtype).toBe("float16");
    } finally {
      torch.setDefaultDtype(prev);
    }
  });
  it("tensor() rounds each number as a cast from float64 does (through float32)", () => {
    const x = 1 + 2 ** -11 + 2 ** -40; // above the float16 tie, but float32 rounds it onto the tie
    expect(torch.tensor([x], { dtype: "float16" }).item()).toBe(1);
    expect(torch.tensor([x], { dtype: "float64" }).half().item()).toBe(1);
  });
  it("copies between views, across dtypes, and cat of 16-bit parts", () => {
    const a = torch.arange(12, { dtype: "float16" }).reshape(3, 4);
    const b = torch.zeros([4, 3], { dtype: "bfloat16" });
    b.copy_(a.t());
    expect(b.tolist()).toEqual(a.t().float().tolist());
    const c = torch.cat([a, a.t().contiguous().t().narrow(0, 0, 1), torch.ones([1, 4], { dtype: "float16" })]);
    expect(c.shape).toEqual([5, 4]);
    expect(c.float().sum().item()).toBe(66 + 6 + 4);
    expect(torch.cat([a, torch.ones([1, 4], { dtype: "bfloat16" })]).dtype).toBe("float32");
    expect(torch.stack([a, a]).dtype).toBe("float16");
  });
});

describe("printing (PyTorch's repr)", () => {
  it.each((FIXTURE.format as Array<{ dtype: DType; shape: number[]; values: Array<number | string>; expected: string; requiresGrad?: boolean; mul2?: boolean }>).map((c, i) => [`${i} ${c.expected.slice(0, 50)}`, c] as const))("%s", (_n, c) => {
    let t = build(c.values, c.dtype, c.shape);
    if (c.requiresGrad) t.requiresGrad = true;
    if (c.mul2) t = torch.tensor([1, 2], { dtype: c.dtype, requiresGrad: true }).mul(2);
    expect(t.toString()).toBe(c.expected);
  });
});

describe("what has no 16-bit path is refused, never misread", () => {
  it("bitwise ops name the dtype as PyTorch does", () => {
    const h = torch.ones([2], { dtype: "float16" });
    expect(() => h.bitwiseAnd(h)).toThrow("not implemented for 'Half'");
    expect(() => h.bfloat16().bitwiseNot()).toThrow("not implemented for 'BFloat16'");
  });
  it("native entry points without a 16-bit impl refuse the codes", () => {
    const buf = new ArrayBuffer(16);
    for (const code of [6, 7]) {
      expect(() => addon.reduce(0, code, code, buf, buf)).toThrow(/dtype code/);
      expect(() => addon.unary(3, code, buf, buf)).toThrow(/dtype code/);
      expect(() => addon.binary(0, code, buf, buf, buf)).toThrow(/dtype code/);
      expect(() => addon.matmul(code, buf, buf, buf)).toThrow(/dtype code/);
      expect(() => addon.sort(code, buf, buf, buf, false, true)).toThrow(/dtype code/);
    }
    expect(() => addon.copy(8, 0, buf, buf)).toThrow(/unknown dtype code 8/);
  });
  it("matmul of a 16-bit tensor with another dtype names both", () => {
    expect(() => torch.ones([2, 2], { dtype: "float16" }).mm(torch.ones([2, 2]))).toThrow("expected both inputs to have same dtype, but found Half and Float");
  });
});
