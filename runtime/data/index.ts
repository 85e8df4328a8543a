/**
 * Datasets and data loading (`torch.utils.data`): map-style datasets,
 * samplers, batching with collation, and random splits. See docs/data.md.
 * @example
 * import * as torch from "torchlab";
 * const { TensorDataset, DataLoader } = torch.utils.data;
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) { ... }
 */
export { Dataset, TensorDataset, Subset, ConcatDataset, randomSplit } from "./dataset";
export type { DatasetLike, RandomSplitOptions } from "./dataset";
export { SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } from "./sampler";
export type { Sampler, RandomSamplerOptions } from "./sampler";
export { defaultCollate } from "./collate";
export type { Collated } from "./collate";
export { DataLoader } from "./dataloader";
export type { DataLoaderOptions } from "./dataloader";
