/**
 * Deterministic freeing: tidy scopes and the `using` form.
 *
 * Every tensor made while a scope is open is recorded in it; closing the scope
 * disposes those that were not returned from it or kept.
 */

/** @internal the part of a tensor a scope needs */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

/** @internal called by every new tensor */
export function track(t: Disposable): void {
  // Never index -1: an out-of-range read is a slow named-property lookup in V8.
  const n = scopes.length;
  if (n !== 0) scopes[n - 1].add(t);
}

/**
 * Keeps a tensor alive past the scope it was made in.
 * @example torch.tidy(() => { w = torch.keep(torch.randn(3)); });
 */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(v: unknown, out: Set<unknown>, depth = 0): void {
  if (v === null || typeof v !== "object" || depth > 4) return;
  if (typeof (v as Disposable).dispose === "function" && "isDisposed" in (v as object)) {
    out.add(v);
    return;
  }
  const values = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v as object);
  for (const x of values) collect(x, out, depth + 1);
}

/** A scope opened by {@link scope}; disposing it frees what was made inside. */
export class TidyScope {
  private readonly made = new Set<Disposable>();
  private closed = false;

  constructor() {
    scopes.push(this.made);
  }

  /** Closes the scope, freeing every tensor made in it except those in `keepValue`. */
  close(keepValue?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    const i = scopes.lastIndexOf(this.made);
    if (i >= 0) scopes.splice(i);  // also drops scopes a throw left open inside
    const kept = new Set<unknown>();
    collect(keepValue, kept);
    const parent = scopes[scopes.length - 1];
    for (const t of this.made) {
      if (kept.has(t)) {
        if (parent !== undefined) parent.add(t);
      } else {
        t.dispose();
      }
    }
    this.made.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Opens a scope for the `using` statement: tensors made until the block ends
 * are disposed then, except those passed to `keep`.
 * @example
 * { using _ = torch.scope(); const y = x.mul(2).sum(); total = torch.keep(y); }
 */
export function scope(): TidyScope {
  return new TidyScope();
}

/**
 * Runs fn and disposes every tensor it made except those in its result
 * (a tensor, or arrays/objects of tensors). A throw disposes them all.
 * @example const y = torch.tidy(() => x.mul(2).add(1));
 */
export function tidy<T>(fn: () => T): T {
  const s = new TidyScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    s.close();
    throw e;
  }
  if (result instanceof Promise) {
    s.close();
    throw new Error("tidy(fn): fn must be synchronous (it returned a Promise); use `using s = torch.scope()` in async code");
  }
  s.close(result);
  return result;
}
