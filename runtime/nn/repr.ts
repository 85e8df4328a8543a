/**
 * Python-style formatting for module reprs (PyTorch prints Python values:
 * `True`, `1e-05`, `(4,)`, `'none'`).
 */

/** @internal Python's repr of a float: `0.5`, `1.0`, `1e-05`, `inf`. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = x.toExponential().split("e");
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  const s = String(x);
  return s.includes(".") ? s : `${s}.0`;
}

/** @internal `True` / `False` */
export function pyBool(b: boolean): string {
  return b ? "True" : "False";
}

/** @internal a tuple of ints: `(4,)`, `(2, 5)` */
export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`;
}

/** @internal a quoted string: `'none'` */
export function pyStr(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** @internal PyTorch's _addindent: indents every line but the first */
export function addIndent(s: string, spaces: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const pad = " ".repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join("\n");
}
