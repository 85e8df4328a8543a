/**
 * Grad mode: whether ops record the graph. `noGrad` / `enableGrad` /
 * `setGradEnabled` as functions and as `using` scopes.
 */

let enabled = true;

/** @internal read on every op; a plain variable so the check costs nothing */
export function isGradEnabled(): boolean {
  return enabled;
}

/** @internal sets the mode, returning the previous one (no scope object: hot paths) */
export function swapGradMode(mode: boolean): boolean {
  const prev = enabled;
  enabled = mode;
  return prev;
}

/**
 * A grad-mode scope for `using`: restores the previous mode when it ends.
 * @example { using _ = torch.noGrad(); y = x.mul(2); }
 */
export class GradModeScope {
  private readonly prev: boolean;
  private done = false;
  constructor(mode: boolean) {
    this.prev = enabled;
    enabled = mode;
  }
  /** Restores the mode that was active before this scope. */
  [Symbol.dispose](): void {
    if (this.done) return;
    this.done = true;
    enabled = this.prev;
  }
}

function runWith<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    const r = fn();
    if (r instanceof Promise) {
      return r.finally(() => { enabled = prev; }) as unknown as T;
    }
    enabled = prev;
    return r;
  } catch (e) {
    enabled = prev;
    throw e;
  }
}

/**
 * Runs fn with gradient recording off (PyTorch's `with torch.no_grad():`).
 * Called without fn it returns a scope for `using`.
 * @example
 * torch.noGrad(() => w.sub_(w.grad!.mul(0.1)));
 * { using _ = torch.noGrad(); y = x.mul(2); }
 */
export function noGrad<T>(fn: () => T): T;
export function noGrad(): GradModeScope;
export function noGrad<T>(fn?: () => T): T | GradModeScope {
  return fn === undefined ? new GradModeScope(false) : runWith(false, fn);
}

/**
 * Runs fn with gradient recording on, even inside `noGrad`.
 * @example torch.noGrad(() => torch.enableGrad(() => x.mul(2)));
 */
export function enableGrad<T>(fn: () => T): T;
export function enableGrad(): GradModeScope;
export function enableGrad<T>(fn?: () => T): T | GradModeScope {
  return fn === undefined ? new GradModeScope(true) : runWith(true, fn);
}

/**
 * Sets grad mode globally (without fn) or for the duration of fn / a `using` scope.
 * @example torch.setGradEnabled(false);
 */
export function setGradEnabled(mode: boolean): GradModeScope {
  if (typeof mode !== "boolean") throw new TypeError(`setGradEnabled(): argument 'mode' must be a boolean, got ${typeof mode}`);
  return new GradModeScope(mode);
}

/**
 * True when ops record the graph.
 * @example torch.isGradEnabled() // true
 */
export function isGradEnabledPublic(): boolean {
  return enabled;
}
