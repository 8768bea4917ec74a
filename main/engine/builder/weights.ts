/**
 * Named access to a checkpoint's tensors for the graph builders: a missing tensor or one whose shape disagrees with
 * config.json is reported by name (a config/weights mismatch would otherwise surface as a cryptic ORT shape error),
 * and every read is counted so the build can report progress.
 *
 * Large tensors are read a slab at a time — rows for quantising, columns for the transposed fp32 layout, stored
 * bytes for tables kept as they are — so the builder's memory is bounded by the slab, not by the largest tensor
 * (the real checkpoint's [152064, 2048] head is 1.2 GB as fp32). Rows to quantise on workers are handed out as
 * stored, so that widening them runs there rather than on the thread reading.
 */
import { OmniError } from '../errors';
import type { StreamedBytes } from './onnx/externalData';
import {
  DTYPE_BYTES,
  matrixShape,
  OPEN_PER_READ,
  readTensorF32,
  readTensorRows,
  readTensorSlices,
  storedF32,
  wholeTensor,
  type MatrixBlock,
  type ShardAccess,
  type StoredFloats,
  type TensorInfo,
} from './safetensors';

/** The most fp32 bytes a slab holds. */
export const SLAB_BYTES = 64 * 2 ** 20;

/**
 * How rows to quantise are read: `stored`, for the thread that quantises them to widen (a worker), or `fp32`, widened
 * as they are read (on the thread that quantises too, with no stored copy of a slab besides its fp32 one).
 */
export type RowValues = 'stored' | 'fp32';

/** Reads while gathering a column slab take blocks of rows of its columns, each this share of a slab. */
const GATHER_SHARE = 1 / 16;

export class WeightReader {
  constructor(
    private readonly tensors: Map<string, TensorInfo>,
    private readonly onRead: (bytes: number) => void = () => {},
    private readonly slabBytes = SLAB_BYTES,
    /** How reads get at the shards (a build keeps them open: safetensors.ts ShardFiles). */
    private readonly shards: ShardAccess = OPEN_PER_READ,
  ) {}

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string, shape?: number[]): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) {
      throw new OmniError('CHECKPOINT_INVALID', `checkpoint has no tensor ${name}`, 'The snapshot is incomplete or not a Qwen3-Omni checkpoint.');
    }
    if (shape && (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i]))) {
      throw new OmniError(
        'CHECKPOINT_INVALID',
        `tensor ${name} has shape [${info.shape.join(', ')}] but config.json implies [${shape.join(', ')}]`,
        'config.json and the safetensors shards come from different models.',
      );
    }
    return info;
  }

  /** The tensor widened to fp32 (exact for bf16/fp16): for tensors small enough to hold whole. */
  async f32(name: string, shape?: number[]): Promise<Float32Array> {
    const info = this.info(name, shape);
    return this.read(info, wholeTensor(info));
  }

  /** Rows `[start, start + count)` along the first axis, widened to fp32 (one expert of a fused `[E, …]` stack). */
  async rows(name: string, shape: number[], start: number, count: number): Promise<Float32Array> {
    const info = this.info(name, shape);
    return this.read(info, { row: start, rows: count, column: 0, columns: matrixShape(info).columns });
  }

  /** Rows `[start, start + count)` along the first axis as `values` says, in a buffer of their own. */
  async matrixRows(name: string, shape: number[], start: number, count: number, values: RowValues): Promise<StoredFloats> {
    if (values === 'fp32') return storedF32(await this.rows(name, shape, start, count));
    const rows = await readTensorRows(this.info(name, shape), start, count, this.shards);
    this.onRead(rows.bytes.byteLength);
    return rows;
  }

  /**
   * The tensor as consecutive blocks of whole rows along its first axis (`matrixRows`), each at most a slab once
   * widened and at most `maxBytes` (smaller blocks, to share a tensor out among quantisation workers).
   */
  async *rowSlabs(name: string, shape: number[], values: RowValues, maxBytes = this.slabBytes): AsyncGenerator<StoredFloats> {
    const { rows, columns } = matrixShape(this.info(name, shape));
    const step = Math.max(1, Math.floor(Math.min(this.slabBytes, maxBytes) / (4 * columns)));
    for (let row = 0; row < rows; row += step) yield this.matrixRows(name, shape, row, Math.min(step, rows - row), values);
  }

  /**
   * A matrix `[N, K]` transposed, `[K, N]`, as consecutive blocks of its rows, each at most a slab: the columns of a
   * slab are gathered from every row of the stored matrix, so a matrix wider than a slab is read once per slab.
   */
  async *columnSlabs(name: string, shape: [number, number]): AsyncGenerator<Float32Array> {
    const info = this.info(name, shape);
    const [N, K] = shape;
    const step = Math.max(1, Math.floor(this.slabBytes / (4 * N)));
    for (let column = 0; column < K; column += step) {
      const columns = Math.min(step, K - column);
      const slab = new Float32Array(columns * N);
      const rowsPerRead = Math.max(1, Math.floor((GATHER_SHARE * this.slabBytes) / (4 * columns)));
      for (let row = 0; row < N; row += rowsPerRead) {
        const rows = Math.min(rowsPerRead, N - row);
        const block = await this.read(info, { row, rows, column, columns });
        for (let n = 0; n < rows; n++) for (let k = 0; k < columns; k++) slab[k * N + row + n] = block[n * columns + k];
      }
      yield slab;
    }
  }

  /** The tensor's bytes in the checkpoint's own dtype, as read (a few MiB at a time). */
  stored(name: string, shape: number[]): StreamedBytes {
    const info = this.info(name, shape);
    return { byteLength: info.byteLength, chunks: this.slices(info) };
  }

  private async *slices(info: TensorInfo): AsyncGenerator<Uint8Array> {
    for await (const slice of readTensorSlices(info, this.shards)) {
      this.onRead(slice.byteLength);
      yield slice;
    }
  }

  /** Every fp32 read goes through here (a test reader substitutes values here), counted by the stored bytes it covers. */
  protected async read(info: TensorInfo, block: MatrixBlock): Promise<Float32Array> {
    const values = await readTensorF32(info, block, this.shards);
    this.onRead(block.rows * block.columns * DTYPE_BYTES[info.dtype]);
    return values;
  }
}
