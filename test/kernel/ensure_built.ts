// Builds dist/ (tsc) when a kernel source is newer than its built file: the
// notebook tests run the built kernel and CLI as users do.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "../..");

export function ensureKernelBuilt(): void {
  const src = path.join(root, "kernel/src");
  const out = path.join(root, "dist/kernel/src");
  const stale = fs
    .readdirSync(src)
    .filter((f) => f.endsWith(".ts"))
    .some((f) => {
      const built = path.join(out, f.replace(/\.ts$/, ".js"));
      return !fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(path.join(src, f)).mtimeMs;
    });
  if (!stale) return;
  try {
    execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", root], { stdio: "pipe" });
  } catch {
    /* type errors elsewhere still emit */
  }
}
