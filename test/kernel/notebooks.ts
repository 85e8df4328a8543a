// Which notebooks the notebook tests run: notebooks/*.ipynb, or those in
// $TORCHLAB_NOTEBOOKS_DIR (to try the tests on other notebooks).
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "../..");

export const notebooksDir = process.env.TORCHLAB_NOTEBOOKS_DIR ? path.resolve(process.env.TORCHLAB_NOTEBOOKS_DIR) : path.join(root, "notebooks");

/** The .ipynb files of notebooksDir, sorted by name ([] when there is none yet). */
export function notebookFiles(): string[] {
  if (!fs.existsSync(notebooksDir)) return [];
  return fs
    .readdirSync(notebooksDir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(notebooksDir, f));
}

/** The sanitizer file beside the notebooks, else the committed one. */
export function sanitizerFile(): string {
  const beside = path.join(notebooksDir, "sanitize.json");
  return fs.existsSync(beside) ? beside : path.join(root, "notebooks/sanitize.json");
}
