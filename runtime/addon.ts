/**
 * Loads the native addon (the only file that does) and registers the shared
 * meta array through which layouts reach native code.
 * @internal
 */
import * as path from "path";
import type { NativeAddon } from "./native";

function load(): NativeAddon {
  // dist/runtime/addon.js and runtime/addon.ts (under ts-jest) both sit two
  // levels below the package root... or one: try both.
  const candidates = [
    path.join(__dirname, "..", "build", "Release", "torchlab.node"),
    path.join(__dirname, "..", "..", "build", "Release", "torchlab.node"),
  ];
  const errors: string[] = [];
  for (const file of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(file) as NativeAddon;
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(
    "torchlab: the native addon is not built. Run `npm run build:native` (needs cmake and g++).\n" + errors.join("\n"),
  );
}

/** The native addon. */
export const addon: NativeAddon = load();

/**
 * Layout scratch shared with native code: ops write shapes, strides and
 * offsets here, then make a single call.
 */
export const meta = new Float64Array(8192);
addon.setMeta(meta);
