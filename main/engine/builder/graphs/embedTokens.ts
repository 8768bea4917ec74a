/**
 * `embed_tokens`: `input_ids [B,S] int64 → inputs_embeds [B,S,H] float32`. The table keeps the checkpoint's dtype
 * and the gathered rows are cast to fp32: widening bf16/fp16 is exact, so this equals an fp32 Gather at half the
 * file size. Embeddings are never quantised; the table is copied to the data file a slab at a time.
 */
import { OmniError } from '../../errors';
import { DataType, type DataTypeId } from '../onnx/graph';
import type { SafetensorsDtype } from '../safetensors';
import type { LayerContext } from './layers/context';
import { BATCH, SEQUENCE } from './io';

const TABLE_TYPES: Partial<Record<SafetensorsDtype, DataTypeId>> = { F32: DataType.FLOAT, F16: DataType.FLOAT16, BF16: DataType.BFLOAT16 };

/** The ONNX type that stores a checkpoint embedding table as is. */
export function tableDataType(source: string, dtype: SafetensorsDtype): DataTypeId {
  const dataType = TABLE_TYPES[dtype];
  if (dataType === undefined) throw new OmniError('CHECKPOINT_INVALID', `tensor ${source}: ${dtype} is not a float type`);
  return dataType;
}

/** Rows `ids` of `table`, widened to fp32 when stored narrower; `name` is the node path. */
export function gatherRows(ctx: LayerContext, name: string, table: string, dataType: DataTypeId, ids: string, output?: string): string {
  const { g } = ctx;
  const outputs = output ? [output] : undefined;
  if (dataType === DataType.FLOAT) return g.node('Gather', [table, ids], { axis: 0 }, { name: `${name}/Gather`, outputs })[0];
  const [rows] = g.node('Gather', [table, ids], { axis: 0 }, { name: `${name}/Gather` });
  return g.node('Cast', [rows], { to: DataType.FLOAT }, { name: `${name}/Cast`, outputs })[0];
}

export async function makeEmbedTokens(ctx: LayerContext, source: string, vocabSize: number, hiddenSize: number): Promise<void> {
  const { g } = ctx;
  const dims = [vocabSize, hiddenSize];
  const dataType = tableDataType(source, ctx.weights.info(source, dims).dtype);
  const table = await g.initializer('model.embed_tokens.weight', { dataType, dims, bytes: ctx.weights.stored(source, dims) });
  const ids = g.input('input_ids', DataType.INT64, [BATCH, SEQUENCE]);
  gatherRows(ctx, '/model/embed_tokens', table, dataType, ids, 'inputs_embeds');
  g.output('inputs_embeds', DataType.FLOAT, [BATCH, SEQUENCE, hiddenSize]);
}
