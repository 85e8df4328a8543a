/**
 * Turning values into Jupyter MIME bundles (ARCHITECTURE.md, "Display protocol"):
 * objects with `[Symbol.for("Jupyter.display")]()` render from the bundle they
 * return; tensors also get a small `text/html` table; everything else is
 * `text/plain` in util.inspect's style.
 */
import * as util from "node:util";
import type { MimeBundle } from "./api";

export const DISPLAY_SYMBOL = Symbol.for("Jupyter.display");

/** The parts of a Tensor the HTML table needs (duck-typed, so the kernel never depends on the runtime's classes). */
interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: unknown;
  readonly device?: unknown;
  tolist(): unknown;
  numel(): number;
}

/** True for torchlab tensors (and anything shaped like one). */
export function isTensorLike(v: unknown): v is TensorLike {
  if (v === null || typeof v !== "object") return false;
  const t = v as Partial<TensorLike>;
  return Array.isArray(t.shape) && typeof t.tolist === "function" && typeof t.numel === "function" && t.dtype !== undefined;
}

/** The largest number of rows/columns the HTML table shows in full; bigger dimensions show their head and tail. */
const MAX_TABLE = 20;
const EDGE = 10;

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function cellText(v: unknown): string {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    return Number(v.toPrecision(6)).toString();
  }
  return String(v);
}

/** Indices to show along a dimension of size n: all, or head, a gap (-1) and tail. */
function shownIndices(n: number): number[] {
  if (n <= MAX_TABLE) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE }, (_, i) => i), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
}

/** A small HTML table of a ≤ 2-D tensor's values with a shape/dtype caption; undefined for higher ranks or on failure. */
export function tensorHtml(t: TensorLike): string | undefined {
  const shape = t.shape;
  if (shape.length > 2) return undefined;
  // tolist() of a huge tensor would be wasteful; the table shows at most ~21x21 values.
  if (t.numel() > 1_000_000) return undefined;
  let values: unknown;
  try {
    values = t.tolist();
  } catch {
    return undefined;
  }
  const device = t.device !== undefined && String(t.device) !== "cpu" ? `, device=${escapeHtml(String(t.device))}` : "";
  const caption = `<caption style="caption-side:bottom;text-align:left">tensor of shape [${shape.join(", ")}], dtype=${escapeHtml(String(t.dtype))}${device}</caption>`;
  const td = (v: unknown) => `<td>${escapeHtml(cellText(v))}</td>`;
  const gap = "<td>&hellip;</td>";
  let rows: string[];
  if (shape.length === 0) {
    rows = [`<tr>${td(values)}</tr>`];
  } else if (shape.length === 1) {
    const arr = values as unknown[];
    rows = [`<tr>${shownIndices(shape[0]).map((j) => (j < 0 ? gap : td(arr[j]))).join("")}</tr>`];
  } else {
    const arr = values as unknown[][];
    const cols = shownIndices(shape[1]);
    rows = shownIndices(shape[0]).map((i) =>
      i < 0 ? `<tr>${cols.map(() => "<td>&vellip;</td>").join("")}</tr>` : `<tr>${cols.map((j) => (j < 0 ? gap : td(arr[i][j]))).join("")}</tr>`,
    );
  }
  return `<table class="torchlab-tensor" style="font-family:monospace">${caption}<tbody>${rows.join("")}</tbody></table>`;
}

/** util.inspect-like text for any value. */
export function plainText(value: unknown): string {
  if (typeof value === "string") return util.inspect(value);
  if (util.types.isPromise(value)) {
    // Node's async bookkeeping symbols (async ids, AsyncLocalStorage stores) are noise here.
    return util
      .inspect(value, { depth: 1, colors: false, breakLength: 100 })
      .replace(/,?\s*\[Symbol\((?:async_id_symbol|trigger_async_id_symbol|kResourceStore)\)\]: (?:\[[^\]]*\]|[^,\n}]*)/g, "");
  }
  return util.inspect(value, { depth: 4, colors: false, maxArrayLength: 100, breakLength: 100 });
}

/**
 * The MIME bundle of a value: its own `[Symbol.for("Jupyter.display")]()` bundle when it has one
 * (a `text/plain` is added when missing), a tensor table for tensors, text/plain otherwise.
 */
export function toBundle(value: unknown): MimeBundle {
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const fn = (value as Record<symbol, unknown>)[DISPLAY_SYMBOL];
    if (typeof fn === "function") {
      const own = fn.call(value) as MimeBundle | undefined;
      if (own && typeof own === "object") {
        const bundle: MimeBundle = { ...own };
        if (isTensorLike(value) && bundle["text/html"] === undefined) {
          const html = tensorHtml(value);
          if (html !== undefined) bundle["text/html"] = html;
        }
        if (bundle["text/plain"] === undefined) bundle["text/plain"] = plainText(value);
        return bundle;
      }
    }
    if (isTensorLike(value)) {
      const bundle: MimeBundle = { "text/plain": String(value) };
      const html = tensorHtml(value);
      if (html !== undefined) bundle["text/html"] = html;
      return bundle;
    }
  }
  return { "text/plain": plainText(value) };
}
