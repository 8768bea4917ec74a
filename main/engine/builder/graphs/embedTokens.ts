/**
 * `embed_tokens`: `input_ids [B,S] int64 → inputs_embeds [B,S,H] float32`. The table keeps the checkpoint's dtype
 * and the gathered rows are cast to fp32: widening bf16/fp16 is exact, so this equals an fp32 Gather at half the
 * file size and RSS. Embeddings are never quantised.
 */
import { OmniError } from '../../errors';
import { DataType, type DataTypeId } from '../onnx/graph';
import type { SafetensorsDtype } from '../safetensors';
import type { LayerContext } from './layers/context';
import { BATCH, SEQUENCE } from './io';

const TABLE_TYPES: Partial<Record<SafetensorsDtype, DataTypeId>> = { F32: DataType.FLOAT, F16: DataType.FLOAT16, BF16: DataType.BFLOAT16 };

export async function makeEmbedTokens(ctx: LayerContext, source: string, vocabSize: number, hiddenSize: number): Promise<void> {
  const { g } = ctx;
  const { info, bytes } = await ctx.weights.bytes(source, [vocabSize, hiddenSize]);
  const dataType = TABLE_TYPES[info.dtype];
  if (dataType === undefined) throw new OmniError('BUNDLE_CORRUPT', `tensor ${source}: ${info.dtype} is not a float type`);
  const table = await g.initializer('model.embed_tokens.weight', { dataType, dims: [vocabSize, hiddenSize], bytes });
  const ids = g.input('input_ids', DataType.INT64, [BATCH, SEQUENCE]);
  const output = 'inputs_embeds';
  if (dataType === DataType.FLOAT) {
    g.node('Gather', [table, ids], { axis: 0 }, { name: '/model/embed_tokens/Gather', outputs: [output] });
  } else {
    const [rows] = g.node('Gather', [table, ids], { axis: 0 }, { name: '/model/embed_tokens/Gather' });
    g.node('Cast', [rows], { to: DataType.FLOAT }, { name: '/model/embed_tokens/Cast', outputs: [output] });
  }
  g.output(output, DataType.FLOAT, [BATCH, SEQUENCE, hiddenSize]);
}
