/**
 * Named access to a checkpoint's tensors for the graph builders: a missing tensor or one whose shape disagrees with
 * config.json is reported by name (a config/weights mismatch would otherwise surface as a cryptic ORT shape error),
 * and every read is counted so the build can report progress.
 */
import { OmniError } from '../errors';
import { readTensorBytes, readTensorF32, type TensorInfo } from './safetensors';

export class WeightReader {
  constructor(
    private readonly tensors: Map<string, TensorInfo>,
    private readonly onRead: (bytes: number) => void = () => {},
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

  /** The tensor's bytes in the checkpoint's own dtype. */
  async bytes(name: string, shape?: number[]): Promise<{ info: TensorInfo; bytes: Uint8Array }> {
    const info = this.info(name, shape);
    const bytes = await readTensorBytes(info);
    this.onRead(info.byteLength);
    return { info, bytes };
  }

  /** The tensor widened to fp32 (exact for bf16/fp16). */
  async f32(name: string, shape?: number[]): Promise<Float32Array> {
    const info = this.info(name, shape);
    const values = await readTensorF32(info);
    this.onRead(info.byteLength);
    return values;
  }
}
