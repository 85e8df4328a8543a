/**
 * Turning a list of samples into a batch (`torch.utils.data.default_collate`).
 */
import { TypedArray } from "../dtype";
import { Tensor } from "../tensor";
import { tensor } from "../ops/creation";
import { stack } from "../ops/cat";

/**
 * The type of a batch that {@link defaultCollate} makes from samples of type `T`:
 * tensors, numbers, booleans, bigints and typed arrays become a tensor;
 * strings an array of strings; arrays, tuples and plain objects keep their
 * structure with each field collated.
 * @example
 * type B = Collated<[Tensor, number]>;          // [Tensor, Tensor]
 * type C = Collated<{ image: Tensor; id: string }>; // { image: Tensor; id: string[] }
 */
export type Collated<T> =
  T extends Tensor ? Tensor
  : T extends number | bigint | boolean ? Tensor
  : T extends TypedArray ? Tensor
  : T extends string ? string[]
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Collated<T[K]> }
  : T extends object ? { -readonly [K in keyof T]: Collated<T[K]> }
  : never;

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object") return typeof v;
  return (v as object).constructor?.name ?? "object";
}

function collate(batch: readonly unknown[], path: string): unknown {
  const elem = batch[0];
  const where = path === "" ? "" : ` at ${path}`;
  const same = (pred: (v: unknown) => boolean, what: string): void => {
    const bad = batch.findIndex((v) => !pred(v));
    if (bad >= 0) throw new TypeError(`defaultCollate: sample 0 has a ${what}${where} but sample ${bad} has ${kindOf(batch[bad])}`);
  };
  if (elem instanceof Tensor) {
    same((v) => v instanceof Tensor, "Tensor");
    return stack(batch as Tensor[], 0);
  }
  if (typeof elem === "number") {
    same((v) => typeof v === "number", "number");
    const nums = batch as number[];
    // JavaScript has one number type: integers become int64 (Python int), others float64 (Python float).
    return tensor(nums, { dtype: nums.every(Number.isInteger) ? "int64" : "float64" });
  }
  if (typeof elem === "boolean") {
    same((v) => typeof v === "boolean", "boolean");
    return tensor(batch as boolean[], { dtype: "bool" });
  }
  if (typeof elem === "bigint") {
    same((v) => typeof v === "bigint", "bigint");
    return tensor(batch as bigint[], { dtype: "int64" });
  }
  if (typeof elem === "string") {
    same((v) => typeof v === "string", "string");
    return batch.slice();
  }
  if (ArrayBuffer.isView(elem) && !(elem instanceof DataView)) {
    same((v) => ArrayBuffer.isView(v) && Object.getPrototypeOf(v) === Object.getPrototypeOf(elem), elem.constructor.name);
    const parts = batch.map((a) => tensor(a as TypedArray));
    const out = stack(parts, 0);
    for (const p of parts) p.dispose();
    return out;
  }
  if (Array.isArray(elem)) {
    same((v) => Array.isArray(v), "array");
    const n = elem.length;
    const bad = batch.findIndex((v) => (v as unknown[]).length !== n);
    if (bad >= 0)
      throw new RangeError(`defaultCollate: each element in list of batch should be of equal size: sample 0 has ${n} elements${where} but sample ${bad} has ${(batch[bad] as unknown[]).length}`);
    return Array.from({ length: n }, (_, i) => collate(batch.map((v) => (v as unknown[])[i]), `${path}[${i}]`));
  }
  if (typeof elem === "object" && elem !== null && isPlainObject(elem)) {
    same((v) => typeof v === "object" && v !== null && isPlainObject(v), "plain object");
    const keys = Object.keys(elem);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const bad = batch.findIndex((v) => !(k in (v as object)));
      if (bad >= 0) throw new Error(`defaultCollate: sample ${bad} has no key "${k}"${where} (sample 0 has it)`);
      out[k] = collate(batch.map((v) => (v as Record<string, unknown>)[k]), path === "" ? k : `${path}.${k}`);
    }
    return out;
  }
  throw new TypeError(`defaultCollate: batch must contain tensors, numbers, booleans, bigints, typed arrays, strings, arrays or plain objects; found ${kindOf(elem)}${where}`);
}

/**
 * Merges a list of samples into one batch, like PyTorch's `default_collate`:
 * - tensors are stacked along a new dim 0 (they must have equal shapes);
 * - numbers become a 1-D tensor: int64 when every number is an integer, else
 *   float64 (PyTorch: int -> int64, float -> float64); booleans a bool tensor,
 *   bigints int64; typed arrays are stacked like tensors;
 * - strings stay an array of strings;
 * - arrays/tuples are transposed (they must have equal lengths) and each
 *   position collated; plain objects are collated key by key.
 * @example
 * defaultCollate([[torch.zeros(3), 1], [torch.ones(3), 0]]); // [Tensor [2, 3], Tensor [2] int64]
 * defaultCollate([{ x: 1.5, id: "a" }, { x: 2, id: "b" }]);  // { x: Tensor [2] float64, id: ["a", "b"] }
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (!Array.isArray(batch)) throw new TypeError(`defaultCollate: expected an array of samples, got ${kindOf(batch)}`);
  if (batch.length === 0) throw new RangeError("defaultCollate: cannot collate an empty batch");
  return collate(batch, "") as Collated<T>;
}
