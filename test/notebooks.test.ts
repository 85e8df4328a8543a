// The tutorial notebooks, nbval-style: every notebooks/*.ipynb is run through
// the real kernel (`torchlab run`'s runner, cells tagged nbval-skip left out)
// and each code cell's fresh outputs are compared with the stored ones after
// the committed sanitizer (notebooks/sanitize.json). Errors fail unless the
// cell is tagged raises-exception; nbval-ignore-output cells run uncompared.
import { beforeAll, describe, expect, test } from "@jest/globals";
import * as path from "path";
import { readNotebook } from "../kernel/src/notebook";
import { SKIP_TAG, compareNotebooks, formatComparison, loadSanitizers } from "../kernel/src/nbval";
import { runNotebooks } from "../kernel/src/run";
import { ensureKernelBuilt } from "./kernel/ensure_built";
import { notebookFiles, notebooksDir, sanitizerFile } from "./kernel/notebooks";

const root = path.join(__dirname, "..");
const files = notebookFiles();

if (files.length === 0) {
  // the tutorial notebooks are committed: none found means the directory is wrong
  test(`notebooks in ${notebooksDir}`, () => {
    expect(files).not.toEqual([]);
  });
} else {
  beforeAll(() => ensureKernelBuilt(), 180_000);

  describe("notebooks match their stored outputs", () => {
    test.each(files.map((f) => [path.relative(root, f), f]))("%s", async (_name, file) => {
      const sanitizers = loadSanitizers(sanitizerFile(), { repo: root });
      const [result] = await runNotebooks([file], { skipTagged: [SKIP_TAG], allowErrors: true, timeout: 120, log: () => undefined });
      const cmp = compareNotebooks(readNotebook(file), result.notebook, { sanitizers, executed: result.executed });
      const report = formatComparison(cmp, path.relative(root, file));
      // the report is the message: which cell, which MIME type, expected vs got
      expect(report).toBe("");
      // timeouts and a dead kernel fail even where the outputs happen to match
      expect(result.failures.filter((f) => f.kind !== "error").map((f) => f.message)).toEqual([]);
    }, 600_000);
  });
}
