/**
 * The CUDA generators (torch.cuda.manualSeed, manualSeedAll, initialSeed).
 *
 * Each GPU has its own default generator, a plain counter-based state (seed
 * and offset, as the CPU's: runtime/ops/random.ts), so seeding never touches
 * the GPU and works where there is none, as PyTorch's queued seeding does.
 * @internal
 */
import { Generator } from "../ops/random";
import { currentIndex, deviceCount } from "./driver";

const generators = new Map<number, Generator>();
// Set by manualSeedAll: generators made afterwards start from it.
let seedAll: number | null = null;

/** The default generator of GPU `index` (PyTorch's torch.cuda.default_generators[index]). */
export function cudaDefaultGenerator(index: number): Generator {
  let g = generators.get(index);
  if (g === undefined) {
    g = new Generator();
    if (seedAll !== null) g.manualSeed(seedAll);
    generators.set(index, g);
  }
  return g;
}

// Without a GPU, seeding goes to GPU 0's generator and takes effect if one appears.
function currentOrZero(): number {
  return deviceCount() > 0 ? currentIndex() : 0;
}

/** Seeds the current GPU's generator. @example torch.cuda.manualSeed(42) */
export function manualSeed(seed: number | bigint): void {
  cudaDefaultGenerator(currentOrZero()).manualSeed(seed);
}

/** Seeds every GPU's generator (torch.manualSeed does this too). @example torch.cuda.manualSeedAll(42) */
export function manualSeedAll(seed: number | bigint): void {
  const s = new Generator().manualSeed(seed).initialSeed();  // validates
  seedAll = s;
  for (const g of generators.values()) g.manualSeed(s);
}

/** The seed of the current GPU's generator. @example torch.cuda.initialSeed() */
export function initialSeed(): number {
  return cudaDefaultGenerator(currentOrZero()).initialSeed();
}
