// Checks runtime/format.ts against repr() strings recorded from PyTorch 1.13
// by test/fixtures/gen_format.py.
import { readFileSync } from "fs";
import { join } from "path";
import { afterEach, describe, expect, it } from "@jest/globals";
import { formatTensor, getPrintOptions, setPrintOptions, FormatDType, PrintOptions } from "../runtime/format";

type Profile = "default" | "short" | "full";

interface FixtureCase {
  name: string;
  shape: number[];
  dtype: FormatDType;
  /** nan/inf as "nan"/"inf"/"-inf"; int64 beyond 2^53 as decimal strings. */
  values: (number | string | boolean)[];
  device?: string;
  requiresGrad?: boolean;
  gradFn?: string;
  options?: Partial<PrintOptions> & { profile?: Profile };
  expected: string;
}

const cases: FixtureCase[] = JSON.parse(readFileSync(join(__dirname, "fixtures", "format.json"), "utf8"));

function decode(v: number | string | boolean, dtype: FormatDType): number | bigint | boolean {
  if (typeof v !== "string") return v;
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (dtype === "int64") return BigInt(v);
  throw new Error(`unexpected encoded value ${v} for ${dtype}`);
}

describe("formatTensor matches PyTorch 1.13 repr", () => {
  afterEach(() => setPrintOptions({ profile: "default" }));

  it("has a meaningful number of fixtures", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    setPrintOptions({ profile: "default" });
    if (c.options) setPrintOptions(c.options);
    const got = formatTensor({
      shape: c.shape,
      dtype: c.dtype,
      values: c.values.map((v) => decode(v, c.dtype)),
      device: c.device,
      requiresGrad: c.requiresGrad,
      gradFn: c.gradFn,
    });
    expect(got).toBe(c.expected);
  });
});

describe("print options", () => {
  afterEach(() => setPrintOptions({ profile: "default" }));

  it("starts at PyTorch's defaults and resets sciMode like torch.set_printoptions", () => {
    expect(getPrintOptions()).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null });
    setPrintOptions({ sciMode: true });
    expect(getPrintOptions().sciMode).toBe(true);
    setPrintOptions({ precision: 2 });
    expect(getPrintOptions()).toMatchObject({ precision: 2, sciMode: null });
    setPrintOptions({ profile: "full" });
    expect(getPrintOptions().threshold).toBe(Infinity);
  });

  it("accepts bigint and typed-array values", () => {
    expect(formatTensor({ shape: [2], dtype: "int64", values: [2n ** 62n, -1n] })).toBe(
      "tensor([4611686018427387904,                  -1])",
    );
    expect(formatTensor({ shape: [2], dtype: "float32", values: new Float32Array([0.1, 2]) })).toBe(
      "tensor([0.1000, 2.0000])",
    );
  });

  it("rejects a value count that does not match the shape", () => {
    expect(() => formatTensor({ shape: [2, 2], dtype: "float32", values: [1, 2, 3] })).toThrow(RangeError);
  });
});
