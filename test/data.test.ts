// torch.utils.data: datasets, samplers, collation and the DataLoader.
import { describe, expect, test } from "@jest/globals";
import * as torch from "../runtime/index";
import type { Tensor } from "../runtime/index";
import {
  BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, SequentialSampler, Subset, SubsetRandomSampler,
  TensorDataset, defaultCollate, randomSplit,
} from "../runtime/data";
import type { Collated, DatasetLike } from "../runtime/data";

const list = (t: Tensor) => t.tolist();
const rows = (n: number, c = 2) => torch.arange(n * c).reshape(n, c);  // row i = [c*i, ..., c*i+c-1]
const labels = (n: number) => torch.arange(n).mul(10);                    // label i = 10*i
const firstCol = (x: Tensor, c = 2) => (x.select(1, 0).tolist() as number[]).map((v) => v / c);

/** A plain dataset (no fast path) with the same items as TensorDataset(rows(n), labels(n)). */
class PlainPairs extends Dataset<[Tensor, Tensor]> {
  constructor(private readonly x: Tensor, private readonly y: Tensor) { super(); }
  get length() { return this.x.shape[0]; }
  getItem(i: number): [Tensor, Tensor] { return [this.x.select(0, i), this.y.select(0, i)]; }
}

describe("TensorDataset", () => {
  test("items are rows of every tensor; length is dim 0", () => {
    const ds = new TensorDataset(rows(5), labels(5));
    expect(ds.length).toBe(5);
    const [x, y] = ds.getItem(3);
    expect(list(x)).toEqual([6, 7]);
    expect(list(y)).toEqual(30);
    expect(y.shape).toEqual([]);
    expect(list(ds.getItem(-1)[0])).toEqual([8, 9]);
    expect([...ds].length).toBe(5);
  });

  test("size mismatch, no tensors, 0-d tensors and bad indices are refused", () => {
    expect(() => new TensorDataset(rows(5), labels(4))).toThrow(/Size mismatch between tensors/);
    expect(() => new TensorDataset()).toThrow(/at least one tensor/);
    expect(() => new TensorDataset(torch.tensor(3))).toThrow(/0-dimensional/);
    expect(() => new TensorDataset([1, 2] as unknown as Tensor)).toThrow(/must be a Tensor/);
    const ds = new TensorDataset(rows(5));
    expect(() => ds.getItem(5)).toThrow(/out of range for a dataset of length 5/);
    expect(() => ds.getItem(-6)).toThrow(RangeError);
    expect(() => ds.getItem(1.5)).toThrow(/must be an integer/);
  });
});

describe("DataLoader batching", () => {
  test("shapes, values and the last partial batch", () => {
    const loader = new DataLoader(new TensorDataset(rows(10), labels(10)), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.length).toBe(3);
    expect(batches.map(([x, y]) => [x.shape, y.shape])).toEqual([[[4, 2], [4]], [[4, 2], [4]], [[2, 2], [2]]]);
    expect(list(batches[0][0])).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect(list(batches[2][1])).toEqual([80, 90]);
    expect(batches[0][0].dtype).toBe("int64");
  });

  test("dropLast drops the incomplete batch (and keeps a complete one)", () => {
    const ds = new TensorDataset(rows(10), labels(10));
    const loader = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    const sizes = [...loader].map(([x]) => x.shape[0]);
    expect(sizes).toEqual([4, 4]);
    expect([...new DataLoader(ds, { batchSize: 5, dropLast: true })].length).toBe(2);
    expect(new DataLoader(ds, { batchSize: 11, dropLast: true }).length).toBe(0);
    expect([...new DataLoader(ds, { batchSize: 11, dropLast: true })]).toEqual([]);
  });

  test("default batch size is 1 and batches keep a leading dim", () => {
    const loader = new DataLoader(new TensorDataset(rows(3)));
    expect(loader.length).toBe(3);
    expect([...loader].map(([x]) => x.shape)).toEqual([[1, 2], [1, 2], [1, 2]]);
  });

  test("the TensorDataset fast path gives the same batches as stacking items", () => {
    const x = torch.randn(23, 3, 2), y = torch.randint(0, 5, [23]);
    const g1 = new torch.Generator().manualSeed(3), g2 = new torch.Generator().manualSeed(3);
    const fast = [...new DataLoader(new TensorDataset(x, y), { batchSize: 5, shuffle: true, generator: g1 })];
    const slow = [...new DataLoader(new PlainPairs(x, y), { batchSize: 5, shuffle: true, generator: g2 })];
    expect(fast.length).toBe(slow.length);
    fast.forEach(([fx, fy], i) => {
      expect(torch.equal(fx, slow[i][0])).toBe(true);
      expect(torch.equal(fy, slow[i][1])).toBe(true);
      expect(fx.dtype).toBe(slow[i][0].dtype);
    });
    // non-contiguous inputs too
    const xt = torch.randn(2, 7).t();
    const [b] = [...new DataLoader(new TensorDataset(xt), { batchSize: 7 })];
    expect(torch.equal(b[0], xt)).toBe(true);
  });

  test("a Subset of a TensorDataset batches through the fast path with the right rows", () => {
    const sub = new Subset(new TensorDataset(rows(10), labels(10)), [7, 2, 9]);
    const [[x, y]] = [...new DataLoader(sub, { batchSize: 3 })];
    expect(list(y)).toEqual([70, 20, 90]);
    expect(list(x)).toEqual([[14, 15], [4, 5], [18, 19]]);
  });

  test("plain arrays and DatasetLike objects are datasets", () => {
    const arr = [1, 2, 3, 4, 5];
    const batches = [...new DataLoader(arr, { batchSize: 2 })];
    expect(batches.map(list)).toEqual([[1, 2], [3, 4], [5]]);
    const squares: DatasetLike<{ v: number; name: string }> = { length: 3, getItem: (i) => ({ v: i * i, name: `s${i}` }) };
    const [b] = [...new DataLoader(squares, { batchSize: 3 })];
    expect(list(b.v)).toEqual([0, 1, 4]);
    expect(b.name).toEqual(["s0", "s1", "s2"]);
  });

  test("collateFn replaces the default collate", () => {
    const loader = new DataLoader(new TensorDataset(rows(5)), { batchSize: 2, collateFn: (items) => items.length });
    const out: number[] = [...loader];
    expect(out).toEqual([2, 2, 1]);
  });

  test("sampler and batchSampler choose the indices", () => {
    const ds = new TensorDataset(rows(6), labels(6));
    const viaArray = [...new DataLoader(ds, { batchSize: 2, sampler: [5, 0, 3] })];
    expect(viaArray.map(([, y]) => list(y))).toEqual([[50, 0], [30]]);
    const bs = [...new DataLoader(ds, { batchSampler: [[1, 2, 3], [0]] })];
    expect(bs.map(([, y]) => list(y))).toEqual([[10, 20, 30], [0]]);
    expect(new DataLoader(ds, { batchSampler: new BatchSampler(new SequentialSampler(ds), 4, false) }).length).toBe(2);
  });

  test("the loader is re-iterable (one epoch per for-of)", () => {
    const loader = new DataLoader(new TensorDataset(rows(5)), { batchSize: 2 });
    expect([...loader].length).toBe(3);
    expect([...loader].length).toBe(3);
  });
});

describe("shuffling", () => {
  const epochOrder = (loader: DataLoader<[Tensor, Tensor]>) => [...loader].flatMap(([, y]) => (list(y) as number[]).map((v) => v / 10));

  test("each epoch is a permutation covering every item once, and epochs differ", () => {
    const n = 37;
    const loader = new DataLoader(new TensorDataset(rows(n), labels(n)), { batchSize: 8, shuffle: true });
    const e1 = epochOrder(loader), e2 = epochOrder(loader);
    const all = [...Array(n).keys()];
    expect([...e1].sort((a, b) => a - b)).toEqual(all);
    expect([...e2].sort((a, b) => a - b)).toEqual(all);
    expect(e1).not.toEqual(all);
    expect(e2).not.toEqual(e1);
  });

  test("x and y stay paired after shuffling", () => {
    const loader = new DataLoader(new TensorDataset(rows(20), labels(20)), { batchSize: 6, shuffle: true });
    for (const [x, y] of loader) expect(firstCol(x)).toEqual((list(y) as number[]).map((v) => v / 10));
  });

  test("a seeded Generator repeats the order", () => {
    const ds = new TensorDataset(rows(30), labels(30));
    const run = (seed: number) => {
      const loader = new DataLoader(ds, { batchSize: 7, shuffle: true, generator: new torch.Generator().manualSeed(seed) });
      return [epochOrder(loader), epochOrder(loader)];
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  test("torch.manualSeed repeats the order when no generator is given", () => {
    const loader = new DataLoader(new TensorDataset(rows(30), labels(30)), { batchSize: 7, shuffle: true });
    torch.manualSeed(123);
    const a = [epochOrder(loader), epochOrder(loader)];
    torch.manualSeed(123);
    const b = [epochOrder(loader), epochOrder(loader)];
    expect(b).toEqual(a);
  });
});

describe("samplers", () => {
  test("SequentialSampler and BatchSampler", () => {
    const s = new SequentialSampler({ length: 5 });
    expect([...s]).toEqual([0, 1, 2, 3, 4]);
    expect(s.length).toBe(5);
    expect([...new BatchSampler(s, 2, false)]).toEqual([[0, 1], [2, 3], [4]]);
    expect([...new BatchSampler(s, 2, true)]).toEqual([[0, 1], [2, 3]]);
    expect(new BatchSampler(s, 2, false).length).toBe(3);
    expect(new BatchSampler(s, 2, true).length).toBe(2);
    expect(() => new BatchSampler(s, 0, false)).toThrow(/batchSize should be a positive integer value, but got batchSize=0/);
    expect(() => new BatchSampler(s, 2, 1 as unknown as boolean)).toThrow(/dropLast should be a boolean/);
  });

  test("RandomSampler: permutations, numSamples, replacement, reproducibility", () => {
    const src = { length: 10 };
    const g = () => new torch.Generator().manualSeed(9);
    const p = [...new RandomSampler(src, { generator: g() })];
    expect([...p].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect([...new RandomSampler(src, { generator: g() })]).toEqual(p);
    const long = [...new RandomSampler(src, { numSamples: 25, generator: g() })];
    expect(long.length).toBe(25);
    expect([...long.slice(0, 10)].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect([...long.slice(10, 20)].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    const rep = [...new RandomSampler(src, { replacement: true, numSamples: 100, generator: g() })];
    expect(rep.length).toBe(100);
    expect(rep.every((i) => Number.isInteger(i) && i >= 0 && i < 10)).toBe(true);
    expect(new Set(rep).size).toBeLessThan(100);
    expect(() => new RandomSampler(src, { numSamples: 0 })).toThrow(/numSamples should be a positive integer/);
  });

  test("SubsetRandomSampler shuffles the given indices", () => {
    const s = [...new SubsetRandomSampler([10, 11, 12, 13], { generator: new torch.Generator().manualSeed(1) })];
    expect([...s].sort()).toEqual([10, 11, 12, 13]);
  });
});

describe("randomSplit and Subset", () => {
  const ds = new TensorDataset(rows(10), labels(10));
  const ids = (s: Subset<[Tensor, Tensor]>) => [...Array(s.length).keys()].map((i) => (s.getItem(i)[1].item() as number) / 10);

  test("integer lengths: sizes, disjoint, covering", () => {
    const parts = randomSplit(ds, [3, 7], { generator: new torch.Generator().manualSeed(0) });
    expect(parts.map((p) => p.length)).toEqual([3, 7]);
    const [a, b] = parts.map(ids);
    expect(a.filter((i) => b.includes(i))).toEqual([]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
  });

  test("fractions: floor, then the remainder round-robin", () => {
    expect(randomSplit(ds, [0.5, 0.5]).map((p) => p.length)).toEqual([5, 5]);
    expect(randomSplit(ds, [0.33, 0.33, 0.34]).map((p) => p.length)).toEqual([4, 3, 3]);
    expect(randomSplit(new TensorDataset(rows(7)), [0.25, 0.25, 0.5]).map((p) => p.length)).toEqual([2, 2, 3]);
    const [a, b, c] = randomSplit(ds, [0.2, 0.3, 0.5], { generator: new torch.Generator().manualSeed(5) }).map(ids);
    expect([...a, ...b, ...c].sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
  });

  test("the same generator seed gives the same split", () => {
    const split = () => randomSplit(ds, [4, 6], { generator: new torch.Generator().manualSeed(11) }).map(ids);
    expect(split()).toEqual(split());
  });

  test("bad lengths are refused", () => {
    expect(() => randomSplit(ds, [3, 3])).toThrow(/sum of input lengths \(6\) does not equal the length of the input dataset \(10\)/);
    expect(() => randomSplit(ds, [0.5, 0.4])).toThrow(/fractions must sum to 1, but they sum to 0.9/);
    expect(() => randomSplit(ds, [2.5, 7.5])).toThrow(/non-negative integers or fractions/);
    expect(() => randomSplit(ds, [1.5, -0.5])).toThrow(/fraction at index 0 is not between 0 and 1/);
    expect(() => randomSplit(ds, [])).toThrow(/non-empty array/);
  });

  test("Subset and ConcatDataset", () => {
    const sub = new Subset(ds, [9, 0, -2]);
    expect(sub.length).toBe(3);
    expect(list(sub.getItem(0)[1])).toBe(90);
    expect(list(sub.getItem(2)[1])).toBe(80);
    expect(() => new Subset(ds, [10])).toThrow(/out of range/);
    const cat = new ConcatDataset([new Subset(ds, [1, 2]), new Subset(ds, [5]), new Subset(ds, [7, 8, 9])]);
    expect(cat.length).toBe(6);
    expect(cat.cumulativeSizes).toEqual([2, 3, 6]);
    expect([...cat].map(([, y]) => y.item())).toEqual([10, 20, 50, 70, 80, 90]);
    expect(cat.getItem(-1)[1].item()).toBe(90);
    expect(() => new ConcatDataset([])).toThrow(/should not be an empty array/);
  });
});

describe("defaultCollate", () => {
  test("tuples of tensors and numbers", () => {
    const [x, y] = defaultCollate([[torch.zeros(3), 1], [torch.ones(3), 0]] as [Tensor, number][]);
    expect(x.shape).toEqual([2, 3]);
    expect(list(x)).toEqual([[0, 0, 0], [1, 1, 1]]);
    expect(y.dtype).toBe("int64");
    expect(list(y)).toEqual([1, 0]);
  });

  test("numbers: integers give int64, others float64; booleans bool; bigints int64", () => {
    expect(defaultCollate([1, 2, 3]).dtype).toBe("int64");
    const f = defaultCollate([1, 2.5]);
    expect(f.dtype).toBe("float64");
    expect(list(f)).toEqual([1, 2.5]);
    expect(defaultCollate([true, false]).dtype).toBe("bool");
    expect(defaultCollate([1n, 2n]).dtype).toBe("int64");
  });

  test("dicts, nested structure, strings and typed arrays", () => {
    const batch = defaultCollate([
      { image: torch.full([2, 2], 1), label: 3, meta: { id: "a", w: 0.5 }, pair: [1, torch.tensor([1, 2])] },
      { image: torch.full([2, 2], 2), label: 4, meta: { id: "b", w: 1.5 }, pair: [2, torch.tensor([3, 4])] },
    ] as Array<{ image: Tensor; label: number; meta: { id: string; w: number }; pair: [number, Tensor] }>);
    expect(batch.image.shape).toEqual([2, 2, 2]);
    expect(list(batch.label)).toEqual([3, 4]);
    expect(batch.meta.id).toEqual(["a", "b"]);
    expect(batch.meta.w.dtype).toBe("float64");
    expect(list(batch.pair[0])).toEqual([1, 2]);
    expect(list(batch.pair[1])).toEqual([[1, 2], [3, 4]]);
    const ta = defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect(ta.dtype).toBe("float32");
    expect(list(ta)).toEqual([[1, 2], [3, 4]]);
  });

  test("mismatches and unsupported values are refused clearly", () => {
    expect(() => defaultCollate([torch.zeros(2), torch.zeros(3)])).toThrow(/stack expects each tensor to be equal size/);
    expect(() => defaultCollate([[1, 2], [1]])).toThrow(/each element in list of batch should be of equal size/);
    expect(() => defaultCollate([torch.zeros(2), 1] as unknown[])).toThrow(/sample 0 has a Tensor but sample 1 has number/);
    expect(() => defaultCollate([{ a: 1 }, { b: 2 }] as unknown[])).toThrow(/sample 1 has no key "a"/);
    expect(() => defaultCollate([null, null])).toThrow(/found null/);
    expect(() => defaultCollate([new Map(), new Map()])).toThrow(/found Map/);
    expect(() => defaultCollate([])).toThrow(/empty batch/);
  });

  test("Collated types follow the sample type", () => {
    type Sample = { x: Tensor; y: number; tag: string; pair: [Tensor, boolean] };
    const check: Collated<Sample> extends { x: Tensor; y: Tensor; tag: string[]; pair: [Tensor, Tensor] } ? true : false = true;
    expect(check).toBe(true);
  });
});

describe("DataLoader errors", () => {
  const ds = new TensorDataset(rows(4));
  test.each([
    [{ batchSize: 0 }, /batchSize should be a positive integer value, but got batchSize=0/],
    [{ batchSize: -2 }, /positive integer/],
    [{ batchSize: 2.5 }, /positive integer/],
    [{ batchSize: "4" }, /positive integer/],
    [{ shuffle: 1 }, /shuffle should be a boolean/],
    [{ dropLast: "yes" }, /dropLast should be a boolean/],
    [{ batch_size: 4 }, /unknown option "batch_size" \(did you mean "batchSize"\?\)/],
    [{ shuffle: true, sampler: [0, 1] }, /sampler option is mutually exclusive with shuffle/],
    [{ batchSampler: [[0]], batchSize: 2 }, /batchSampler option is mutually exclusive/],
    [{ batchSampler: [[0]], dropLast: false }, /batchSampler option is mutually exclusive/],
    [{ generator: 42 }, /generator must be a torch.Generator/],
    [{ collateFn: "stack" }, /collateFn must be a function/],
  ])("options %p", (opts, msg) => {
    expect(() => new DataLoader(ds, opts as object)).toThrow(msg);
  });

  test("bad datasets and out-of-range sampler indices", () => {
    expect(() => new DataLoader(42 as unknown as DatasetLike<number>)).toThrow(/dataset must have a getItem/);
    expect(() => new DataLoader({ getItem: () => 1, length: -1 })).toThrow(/non-negative integer/);
    expect(() => [...new DataLoader(ds, { sampler: [4] })]).toThrow(/index 4 is out of range for a dataset of length 4/);
    expect(() => [...new DataLoader([1, 2], { sampler: [2] })]).toThrow(/out of range/);
  });

  test("length needs a sampler with a length", () => {
    function* gen() { yield 0; yield 1; }
    const loader = new DataLoader(ds, { sampler: { [Symbol.iterator]: gen } });
    expect(() => loader.length).toThrow(/no length/);
    expect([...loader].length).toBe(2);
  });
});
