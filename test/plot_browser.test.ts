/// <reference lib="dom" />
// Charts in a real browser: Debian's headless Chromium, driven by
// playwright-core, loads the standalone HTML (vega-embed) and the SVG that
// the Node renderer produced, and checks that the marks are drawn.
// Artifacts (HTML, SVG, screenshots) are kept under test/artifacts/.
import { existsSync, mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { pathToFileURL } from "url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { chromium, type Browser, type Page } from "playwright-core";
import type { TopLevelSpec } from "vega-lite";
import * as torch from "../runtime/index";
import * as plt from "../runtime/plot/index";
import { renderHtml, renderSvg } from "../runtime/plot/render";

// CHROMIUM_PATH overrides the browser (e.g. on a machine without Debian's package).
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(__dirname, "artifacts");

/** The chapter's figure, made through the facade from tensors: 32 blue points "real curve", a red line "fitting curve", a legend. */
function chapterSpec(): TopLevelSpec {
  const x = torch.linspace(-1, 1, 32);
  const y = x.pow(3).sub(x);
  const fitted = x.pow(3).mul(0.8).sub(x.mul(0.7));
  plt.figure();
  plt.scatter(x, y, { color: "b", label: "real curve" });
  plt.plot(x, fitted, "r", { label: "fitting curve" });
  plt.legend();
  const spec = plt.gcf().toSpec();
  plt.close("all");
  return spec;
}

/** Page errors and console errors, collected per page. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
  });
  page.on("requestfailed", (r) => problems.push(`requestfailed: ${r.url()}`));
  return problems;
}

/** Counts drawn items per mark type in vega's scenegraph (role "mark" only: not axes or legends). */
async function sceneCounts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    interface SceneNode { marktype?: string; role?: string; items?: SceneNode[] }
    const view = (window as unknown as { __torchlabPlot: { view: { scenegraph(): { root: SceneNode } } } }).__torchlabPlot.view;
    const counts: Record<string, number> = {};
    const visit = (node: SceneNode) => {
      if (node.marktype && node.role === "mark" && node.marktype !== "group") {
        const n = node.marktype === "line" || node.marktype === "area" ? (node.items?.length ? 1 : 0) : node.items?.length ?? 0;
        counts[node.marktype] = (counts[node.marktype] ?? 0) + n;
      }
      for (const child of node.items ?? []) visit(child);
    };
    visit(view.scenegraph().root);
    return counts;
  });
}

/** Counts SVG elements drawn by vega's mark groups (same structure in the page and in the Node SVG). */
async function svgCounts(page: Page, root: string): Promise<{ symbols: number; lines: number; legend: string[] }> {
  return page.evaluate((sel) => {
    const q = (s: string) => Array.from(document.querySelectorAll(`${sel} ${s}`));
    return {
      symbols: q("g.mark-symbol.role-mark > path").length,
      lines: q("g.mark-line.role-mark > path").length,
      legend: q("g.role-legend-label text").map((t) => t.textContent ?? ""),
    };
  }, root);
}

describe("charts in headless Chromium", () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: the plot browser tests need Debian's chromium. Run \`bash scripts/setup.sh\` (it installs chromium).`,
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"], headless: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  function requireBrowser(): Browser {
    if (!browser) {
      throw new Error(`no browser: ${CHROMIUM} is missing or failed to start. Run \`bash scripts/setup.sh\` (it installs chromium).`);
    }
    return browser;
  }

  for (const renderer of ["svg", "canvas"] as const) {
    it(`draws the chapter's figure from the standalone HTML (vega-embed, ${renderer} renderer), offline`, async () => {
      const file = join(ARTIFACTS, `plot-chapter-embed-${renderer}.html`);
      writeFileSync(file, renderHtml(chapterSpec(), { renderer }));
      const context = await requireBrowser().newContext({ offline: true, viewport: { width: 640, height: 420 } });
      const page = await context.newPage();
      const problems = watch(page);
      try {
        await page.goto(pathToFileURL(file).href);
        await page.waitForFunction(() => document.body.dataset.vegaStatus !== "pending", undefined, { timeout: 30_000 });
        const status = await page.evaluate(() => ({
          status: document.body.dataset.vegaStatus,
          error: (window as unknown as { __torchlabPlot: { error: string | null } }).__torchlabPlot.error,
        }));
        expect(status).toEqual({ status: "rendered", error: null });
        expect(await sceneCounts(page)).toEqual({ symbol: 32, line: 1 });
        if (renderer === "svg") {
          expect(await svgCounts(page, "#vis")).toEqual({ symbols: 32, lines: 1, legend: ["real curve", "fitting curve"] });
        } else {
          expect(await page.locator("#vis canvas").count()).toBe(1);
        }
        const shot = await page.locator("#vis").screenshot({
          path: join(ARTIFACTS, renderer === "svg" ? "plot-chapter.png" : `plot-chapter-${renderer}.png`),
        });
        expect(shot.length).toBeGreaterThan(5000);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }, 60_000);
  }

  it("shows the headless SVG as the browser sees it: 32 points, one line, the legend", async () => {
    const svg = renderSvg(chapterSpec());
    const file = join(ARTIFACTS, "plot-chapter.svg");
    writeFileSync(file, svg);
    const context = await requireBrowser().newContext({ offline: true });
    const page = await context.newPage();
    const problems = watch(page);
    try {
      await page.goto(pathToFileURL(file).href);
      expect(await svgCounts(page, "svg.marks")).toEqual({ symbols: 32, lines: 1, legend: ["real curve", "fitting curve"] });
      // the browser lays it out at the size the SVG declares
      const box = await page.locator("svg.marks").boundingBox();
      const declared = svg.match(/^<svg[^>]*\bwidth="([\d.]+)" height="([\d.]+)"/)!;
      expect(box && Math.round(box.width)).toBe(Math.round(Number(declared[1])));
      expect(box && Math.round(box.height)).toBe(Math.round(Number(declared[2])));
      // the points are blue and the line is red, as computed by the browser
      const colors = await page.evaluate(() => ({
        point: getComputedStyle(document.querySelector("g.mark-symbol.role-mark > path")!).fill,
        line: getComputedStyle(document.querySelector("g.mark-line.role-mark > path")!).stroke,
      }));
      expect(colors).toEqual({ point: "rgb(0, 0, 255)", line: "rgb(255, 0, 0)" });
      await page.locator("svg.marks").screenshot({ path: join(ARTIFACTS, "plot-chapter-headless-svg.png") });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("reports a spec that fails in the page instead of hanging", async () => {
    // valid for Node's compile step, but the page's vega-embed is handed a broken spec
    const html = renderHtml(chapterSpec()).replace(
      /(<script type="application\/json" id="torchlab-spec">)[\s\S]*?(<\/script>)/,
      `$1${JSON.stringify({ data: { values: [] } })}$2`,
    );
    const file = join(ARTIFACTS, "plot-broken.html");
    writeFileSync(file, html);
    const context = await requireBrowser().newContext({ offline: true });
    const page = await context.newPage();
    try {
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => document.body.dataset.vegaStatus !== "pending", undefined, { timeout: 30_000 });
      expect(await page.evaluate(() => document.body.dataset.vegaStatus)).toBe("error");
      expect(await page.locator("#vis.error").textContent()).toMatch(/^Could not draw the chart: /);
    } finally {
      await context.close();
    }
  }, 60_000);
});
