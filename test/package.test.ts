// The package as users load it: require("torchlab") and import * as torch from
// "torchlab" from Node, against the built dist/ and its type declarations.
import { describe, expect, test } from "@jest/globals";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..");

function runNode(file: string, source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-pkg-"));
  // Resolve "torchlab" to this checkout, as an installed dependency would.
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(root, path.join(dir, "node_modules", "torchlab"), "dir");
  const f = path.join(dir, file);
  fs.writeFileSync(f, source);
  return execFileSync(process.execPath, [f], { cwd: dir, encoding: "utf8" });
}

describe("loading the package", () => {
  test("dist/ is built with declarations", () => {
    expect(fs.existsSync(path.join(root, "dist/runtime/index.js"))).toBe(true);
    expect(fs.existsSync(path.join(root, "dist/runtime/index.d.ts"))).toBe(true);
  });

  test("require('torchlab') works", () => {
    const out = runNode("a.cjs", `const torch = require("torchlab"); console.log(torch.ones(2).add(1).toString());`);
    expect(out.trim()).toBe("tensor([2., 2.])");
  });

  test("import * as torch from 'torchlab' works from an ES module", () => {
    const out = runNode("b.mjs", `import * as torch from "torchlab"; console.log(torch.arange(3).sum().item(), typeof torch.tensor);`);
    expect(out.trim()).toBe("3 function");
  });

  test("torchlab/plot loads from CommonJS and ES modules", () => {
    const cjs = runNode("p.cjs", `const plt = require("torchlab/plot"); plt.plot([1, 2, 3]); console.log(typeof plt.savefig, plt.gcf().toSpec().$schema);`);
    expect(cjs.trim()).toBe("function https://vega.github.io/schema/vega-lite/v5.json");
    const esm = runNode("p.mjs", `import * as plt from "torchlab/plot"; console.log(typeof plt.scatter);`);
    expect(esm.trim()).toBe("function");
  });

  test("a TypeScript consumer type-checks against the declarations", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-ts-"));
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(root, path.join(dir, "node_modules", "torchlab"), "dir");
    fs.writeFileSync(path.join(dir, "main.ts"), [
      `import * as torch from "torchlab";`,
      `const x: torch.Tensor = torch.randn(4, 1);`,
      `const r: { values: torch.Tensor; indices: torch.Tensor } = x.max(0);`,
      `const n: number = x.numel();`,
      `// @ts-expect-error dtype must be a known name`,
      `torch.zeros(2, { dtype: "complex64" });`,
      `console.log(r.values.shape, n);`,
      `import * as plt from "torchlab/plot";`,
      `plt.scatter(x, x.mul(2), { label: "real curve", color: "b" });`,
      `const spec: object = plt.gcf().toSpec();`,
      `console.log(spec);`,
    ].join("\n"));
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "--strict", "--noEmit", "--module", "commonjs", "--target", "es2022", "--moduleResolution", "node", "--types", "node", "--typeRoots", path.join(root, "node_modules", "@types"), "main.ts"], { cwd: dir, encoding: "utf8" });
  });
});
