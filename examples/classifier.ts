// An MLP that learns two interleaved spirals: nn.Sequential, CrossEntropyLoss,
// Adam and a shuffled DataLoader over a data set generated in code.
// Run: npm run example:classifier   (after `bash scripts/setup.sh`)
import * as torch from "torchlab";

const { nn, optim } = torch;
const { TensorDataset, DataLoader } = torch.utils.data;

/** Options of {@link main}. */
export interface ClassifierOptions {
  /** points per spiral (default 500) */
  points?: number;
  /** training epochs (default 100) */
  epochs?: number;
  /** where progress lines go (default console.log) */
  log?: (line: string) => void;
}

/** Two spirals: class 0 and class 1 wind around each other. */
export function twoSpirals(points: number, generator: torch.Generator): [torch.Tensor, torch.Tensor] {
  const t = torch.rand(points, { generator }).sqrt().mul(3 * Math.PI);  // denser near the centre
  const noise = () => torch.randn(points, { generator }).mul(0.08);
  const arm = (sign: number): torch.Tensor => {
    const r = t.div(3 * Math.PI).mul(2);
    return torch.stack([t.cos().mul(r).mul(sign).add(noise()), t.sin().mul(r).mul(sign).add(noise())], 1);
  };
  const x = torch.cat([arm(1), arm(-1)], 0);
  const y = torch.cat([torch.zeros(points, { dtype: torch.int64 }), torch.ones(points, { dtype: torch.int64 })]);
  return [x, y];
}

/** Trains the MLP; returns the final accuracy on the whole set. */
export function main(options: ClassifierOptions = {}): { accuracy: number; loss: number } {
  const log = options.log ?? console.log;
  const epochs = options.epochs ?? 100;
  torch.manualSeed(0);
  const generator = new torch.Generator().manualSeed(1);
  const [x, y] = twoSpirals(options.points ?? 500, generator);
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, generator });

  const model = new nn.Sequential(
    new nn.Linear(2, 64), new nn.ReLU(),
    new nn.Linear(64, 64), new nn.ReLU(),
    new nn.Linear(64, 2),
  );
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });

  let loss = Infinity;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let total = 0;
    for (const [bx, by] of loader) {
      optimizer.zeroGrad();
      const l = lossFn.forward(model.forward(bx), by);
      l.backward();
      optimizer.step();
      total += (l.item() as number) * bx.size(0);
    }
    loss = total / x.size(0);
    if (epoch % Math.max(1, Math.floor(epochs / 10)) === 0 || epoch === epochs) log(`epoch ${epoch}: loss ${loss.toFixed(4)}`);
  }
  const accuracy = torch.noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item() as number);
  log(`accuracy: ${(accuracy * 100).toFixed(1)}%`);
  log(model.toString());
  return { accuracy, loss };
}

if (require.main === module) main();
