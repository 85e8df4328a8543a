// kernel/src/codecache.ts: a module loaded through the code cache, from its ASCII copy where it has
// non-ASCII characters, behaves as the module itself; the cache directory is written atomically
// and pruned of week-old entries.
import { afterAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "torchlab-codecache-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const moduleSource = [
  "// a comment with non-ASCII text: café, it’s",
  'exports.text = "naïve ’ é";',
  'exports.regex = /é+ü/.test("xééü");',
  "const größe = 3;",
  "exports.identifier = größe;",
  'exports.astral = "😀".length + ":" + "😀".codePointAt(0);',
  'exports.template = `ä${1}`;',
].join("\n");

/** Loads the module twice in fresh processes (the second through the cache) and returns what each saw. */
function load(cacheDir: string, file: string): Array<Record<string, unknown>> {
  const script = `
    const { requireCached, saveCodeCaches } = require(${JSON.stringify(path.join(root, "dist/kernel/src/codecache.js"))});
    const mod = requireCached(${JSON.stringify(file)}, require);
    saveCodeCaches();
    process.stdout.write(JSON.stringify(mod));`;
  return [0, 1].map(() => {
    const r = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, TORCHLAB_CACHE_DIR: cacheDir }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as Record<string, unknown>;
  });
}

describe("requireCached", () => {
  it("runs a module with non-ASCII characters as Node runs it, from an ASCII copy", () => {
    const file = path.join(tmp, "unicode.js");
    fs.writeFileSync(file, moduleSource);
    const cacheDir = path.join(tmp, "cache");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const expected = JSON.parse(JSON.stringify(require(file)));
    expect(expected.regex).toBe(true);
    const [first, second] = load(cacheDir, file);
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    const names = fs.readdirSync(cacheDir);
    const copy = names.find((n) => n.endsWith(".ascii.js"));
    expect(copy).toBeDefined();
    const bytes = fs.readFileSync(path.join(cacheDir, copy!));
    expect(bytes.every((b) => b < 128)).toBe(true);
    expect(names.some((n) => n.endsWith(".v8cache"))).toBe(true);
    expect(names.filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("makes no copy of an ASCII module", () => {
    const file = path.join(tmp, "ascii.js");
    fs.writeFileSync(file, "exports.x = 'plain';");
    const cacheDir = path.join(tmp, "cache-ascii");
    expect(load(cacheDir, file)).toEqual([{ x: "plain" }, { x: "plain" }]);
    expect(fs.readdirSync(cacheDir).filter((n) => n.endsWith(".ascii.js"))).toEqual([]);
  });

  it("removes entries untouched for a week when it makes a copy, and keeps newer ones", () => {
    const cacheDir = path.join(tmp, "cache-prune");
    fs.mkdirSync(cacheDir);
    const old = path.join(cacheDir, "typescript-000000000000000000000000.v8cache");
    const recent = path.join(cacheDir, "typescript-111111111111111111111111.ascii.js");
    const other = path.join(cacheDir, "notes.txt");
    for (const f of [old, recent, other]) fs.writeFileSync(f, "x");
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    fs.utimesSync(old, eightDaysAgo, eightDaysAgo);
    fs.utimesSync(other, eightDaysAgo, eightDaysAgo);
    const file = path.join(tmp, "unicode2.js");
    fs.writeFileSync(file, moduleSource);
    load(cacheDir, file);
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(recent)).toBe(true);
    expect(fs.existsSync(other)).toBe(true);
  });
});
