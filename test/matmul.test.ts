// The two CPU GEMMs (OpenBLAS and the built-in blocked one) agree with a
// float64 reference on every routing path: small direct loop, matrix-vector,
// blocked, strided and transposed operands, batches with broadcast.
import { afterAll, describe, expect, test } from "@jest/globals";
import * as torch from "../runtime/index";
import { addon } from "../runtime/addon";

type Impl = "builtin" | "openblas";
const built = addon.matmulImpl() as Impl;
afterAll(() => { addon.matmulImpl(built); });

function reference(a: torch.Tensor, b: torch.Tensor): number[] {
  const A = a.double().tolist() as number[][], B = b.double().tolist() as number[][];
  const out: number[] = [];
  for (let i = 0; i < A.length; i++)
    for (let j = 0; j < B[0].length; j++) {
      let s = 0;
      for (let k = 0; k < B.length; k++) s += A[i][k] * B[k][j];
      out.push(s);
    }
  return out;
}

const SHAPES: Array<[number, number, number]> = [[32, 4, 32], [1, 300, 70], [70, 300, 1], [33, 65, 17], [128, 128, 128], [130, 257, 66]];
const impls: Impl[] = built === "openblas" ? ["openblas", "builtin"] : ["builtin"];

describe.each(impls)("matmul through %s", (impl) => {
  test.each(SHAPES)("%i x %i @ %i x ... contiguous, transposed and strided operands", (m, k, n) => {
    addon.matmulImpl(impl);
    torch.manualSeed(m * 1000 + k);
    const a = torch.randn(m, k), b = torch.randn(k, n);
    const want = reference(a, b);
    const variants: Array<[torch.Tensor, torch.Tensor]> = [
      [a, b],
      [a.t().contiguous().t(), b.t().contiguous().t()],              // column-major operands
      [torch.randn(m, 2 * k).index(":", "::2").copy_(a), b],        // strided rows
    ];
    for (const [x, y] of variants) {
      const got = (x.mm(y).reshape(-1).tolist() as number[]);
      expect(got.length).toBe(want.length);
      const worst = got.reduce((w, g, i) => Math.max(w, Math.abs(g - want[i])), 0);
      expect(worst).toBeLessThan(1e-5 * Math.max(1, k));
    }
  });

  test("batched matmul with broadcast batch dims", () => {
    addon.matmulImpl(impl);
    const a = torch.randn(3, 1, 20, 30, { dtype: torch.float64 }), b = torch.randn(4, 30, 10, { dtype: torch.float64 });
    const r = a.matmul(b);
    expect(r.shape).toEqual([3, 4, 20, 10]);
    const one = reference(a.index(2, 0), b.index(3));
    (r.index(2, 3).reshape(-1).tolist() as number[]).forEach((g, i) => expect(g).toBeCloseTo(one[i], 10));
  });
});
