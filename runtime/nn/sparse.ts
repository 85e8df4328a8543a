/**
 * The Embedding layer.
 */
import { noGrad } from "../autograd/grad_mode";
import { Tensor } from "../tensor";
import { empty } from "../ops/creation";
import { embedding, normPaddingIdx } from "./functional/sparse";
import { normal_ } from "./init";
import { FactoryOptions, checkFeatures } from "./linear";
import { Module } from "./module";
import { ownParameter, Parameter } from "./parameter";

/** Options of {@link Embedding}. */
export interface EmbeddingOptions extends FactoryOptions {
  /** this row is zero-initialised and gets no gradient (negative counts from the end) */
  paddingIdx?: number | null;
  /** use this (numEmbeddings, embeddingDim) tensor as the weight (shared, not copied) */
  weight?: Tensor;
}

/**
 * A lookup table: integer indices (*) → rows of weight (*, embeddingDim). The
 * weight is initialised N(0, 1) (the padding row zero), as PyTorch does.
 * @example
 * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * emb.forward(torch.tensor([[1, 2, 0]])).shape; // [1, 3, 3]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = checkFeatures(numEmbeddings, "num_embeddings");
    this.embeddingDim = checkFeatures(embeddingDim, "embedding_dim");
    this.paddingIdx = normPaddingIdx(options.paddingIdx, numEmbeddings);
    if (options.weight !== undefined) {
      const w = options.weight;
      if (w.dim() !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim)
        throw new Error("Shape of weight does not match num_embeddings and embedding_dim");
      this.weight = new Parameter(w);
    } else {
      this.weight = ownParameter(empty([numEmbeddings, embeddingDim], { dtype: options.dtype, device: options.device }));
      this.resetParameters();
    }
  }

  /**
   * An Embedding whose weight is the given 2-D tensor (shared), frozen unless `freeze: false`.
   * @example const emb = nn.Embedding.fromPretrained(vectors, { freeze: false });
   */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (embeddings.dim() !== 2) throw new Error("Embeddings parameter is expected to be 2-dimensional");
    const [rows, cols] = embeddings.shape;
    const emb = new Embedding(rows, cols, { weight: embeddings, paddingIdx: options.paddingIdx });
    emb.weight.requiresGrad = !(options.freeze ?? true);
    return emb;
  }

  /** Re-draws the weight from N(0, 1) and zeroes the padding row. @example emb.resetParameters() */
  resetParameters(): void {
    normal_(this.weight);
    const pad = this.paddingIdx;
    if (pad !== null) noGrad(() => this.weight.select(0, pad).fill_(0));
  }

  /** @example emb.forward(torch.tensor([1, 2])) */
  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ""}`;
  }
}
