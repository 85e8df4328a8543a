// The chapter's first program (section 1.5): fit y = W·[x, x², x³, x⁴] + b
// with nn.Linear, F.smoothL1Loss and hand-written SGD on `param.data`.
// Run: npm run example:regression   (after `bash scripts/setup.sh`)
import * as torch from "torchlab";
import * as plt from "torchlab/plot";

const F = torch.nn.functional;
const POLY_DEGREE = 4;

/** What {@link main} found. */
export interface RegressionResult {
  loss: number;
  batches: number;
  lines: string[];
}

/**
 * Runs the chapter's program; `log` receives its three printed lines. The
 * chapter's figure (real curve against the fitted one) is the current figure
 * afterwards (`plt.gcf()`); `plt.show()` displays it in a notebook, and the
 * script saves it when given a path: `node linear-regression.js fit.svg`.
 */
export function main(log: (line: string) => void = console.log, maxBatches = 1_000_000): RegressionResult {
  torch.manualSeed(5000);
  const wTarget = torch.randn(POLY_DEGREE, 1).mul(5);
  const bTarget = torch.randn(1).mul(5);

  // [x, x², x³, x⁴] as the columns of a matrix
  const makeFeatures = (x: torch.Tensor): torch.Tensor => {
    const col = x.unsqueeze(1);
    return torch.cat(Array.from({ length: POLY_DEGREE }, (_, i) => col.pow(i + 1)), 1);
  };
  // the function to approximate
  const f = (x: torch.Tensor): torch.Tensor => x.mm(wTarget).add(bTarget.index(0));
  const polyDesc = (w: torch.Tensor, b: torch.Tensor): string => {
    const ws = w.tolist() as number[];
    const fmt = (v: number): string => (v >= 0 ? "+" : "") + v.toFixed(2);
    let result = "y = ";
    ws.forEach((v, i) => { result += `${fmt(v)} x^${ws.length - i} `; });
    return result + fmt((b.tolist() as number[])[0]);
  };
  // a batch of (x, f(x)), x sorted as the chapter's np.sort does
  const getBatch = (batchSize = 32): [torch.Tensor, torch.Tensor] => {
    const random = torch.randn(batchSize).sort().values;
    const x = makeFeatures(random);
    return [x, f(x)];
  };

  const fc = new torch.nn.Linear(wTarget.size(0), 1);
  let loss = Infinity;
  let batchIdx = 0;
  for (batchIdx = 1; batchIdx <= maxBatches; batchIdx++) {
    const [batchX, batchY] = getBatch();
    fc.zeroGrad();
    const output = F.smoothL1Loss(fc.forward(batchX), batchY);
    loss = output.item() as number;
    output.backward();
    for (const param of fc.parameters()) param.data.add_(param.grad!.data.mul(-0.1));
    if (loss < 1e-3) {
      plt.cla();
      plt.scatter(batchX.data.index(":", 0), batchY.data.index(":", 0), { label: "real curve", color: "b" });
      plt.plot(batchX.data.index(":", 0), fc.forward(batchX).data.index(":", 0), { label: "fitting curve", color: "r" });
      plt.legend();
      break;
    }
  }
  const lines = [
    `Loss: ${loss.toFixed(6)} after ${batchIdx} batches`,
    `==> Learned function:\t${polyDesc(fc.weight.data.view(-1), fc.bias!.data)}`,
    `==> Actual function:\t${polyDesc(wTarget.view(-1), bTarget)}`,
  ];
  for (const l of lines) log(l);
  return { loss, batches: batchIdx, lines };
}

if (require.main === module) {
  main();
  const out = process.argv[2];
  if (out !== undefined) {
    plt.savefig(out);
    console.log(`(figure saved to ${out})`);
  } else {
    plt.show();
  }
}
