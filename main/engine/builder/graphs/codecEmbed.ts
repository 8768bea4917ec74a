/**
 * `codec_embed` (onnx-bundle.md §2): the embeddings of codec codes for the talker loop (qwen3-omni.md §9.3), one
 * Gather over every codec table concatenated:
 *   codes [B,G] int64, group_offset [] int64 (code k belongs to group group_offset + k)
 *   → embeds [B,G,Hk] (one row per code), embeds_sum [B,1,Hk] (their sum: the next talker input before the text row).
 * Group 0 is the talker's `codec_embedding` with all its rows, so the prompt's control ids (codec pad/bos, think
 * markers, speakers, ≥ the codebook size) embed through the same graph; group g ≥ 1 is the code predictor's
 * `codec_embedding[g−1]`. Codes must lie inside their group's table (a larger one would read the next group's rows).
 * Uses: e0 = embeds([[c0]], offset 0); code predictor input for group g = embeds([[c_{g−1}]], offset g−1); next talker
 * input = embeds_sum([[c0 … c15]], offset 0) + text row; the prompt's control rows = embeds([[id₁], [id₂], …], 0)
 * (one code per batch row, so all in group 0). Tables keep the checkpoint's dtype; never quantised.
 */
import { OmniError } from '../../errors';
import type { SpeechConfig } from '../speechConfig';
import type { StreamedBytes } from '../onnx/externalData';
import { DataType, int64Tensor, joinedBytes, type DataTypeId } from '../onnx/graph';
import { gatherRows, tableDataType } from './embedTokens';
import type { LayerContext } from './layers/context';
import { BATCH, CODE_GROUPS } from './io';

export async function makeCodecEmbed(ctx: LayerContext, config: SpeechConfig): Promise<void> {
  const { g } = ctx;
  const { talker, codePredictor } = config;
  const H = talker.hiddenSize;
  const sources = [
    { name: 'talker.model.codec_embedding.weight', rows: talker.vocabSize },
    ...Array.from({ length: talker.numCodeGroups - 1 }, (_, k) => ({ name: `talker.code_predictor.model.codec_embedding.${k}.weight`, rows: codePredictor.vocabSize })),
  ];
  const parts: StreamedBytes[] = [];
  const bases: number[] = [];
  let rows = 0;
  let dataType: DataTypeId | undefined;
  for (const source of sources) {
    const info = ctx.weights.info(source.name, [source.rows, H]);
    const type = tableDataType(source.name, info.dtype);
    if (dataType !== undefined && type !== dataType) throw new OmniError('CHECKPOINT_INVALID', `tensor ${source.name}: ${info.dtype} differs from the other codec embeddings`);
    dataType = type;
    parts.push(ctx.weights.stored(source.name, [source.rows, H]));
    bases.push(rows);
    rows += source.rows;
  }
  const table = await g.initializer('model.codec_embedding.weight', { dataType: dataType as DataTypeId, dims: [rows, H], bytes: joinedBytes(parts) });

  const name = '/model/codec_embedding';
  const codes = g.input('codes', DataType.INT64, [BATCH, CODE_GROUPS]);
  const offset = g.input('group_offset', DataType.INT64, []);
  const [shape] = g.node('Shape', [codes], {}, { name: `${name}/Shape` });
  const [count] = g.node('Gather', [shape, g.constant(int64Tensor([1], []))], { axis: 0 }, { name: `${name}/Gather_count` });
  const [end] = g.node('Add', [offset, count], {}, { name: `${name}/Add_end` });
  const [groups] = g.node('Range', [offset, end, g.constant(int64Tensor([1], []))], {}, { name: `${name}/Range` });
  const [base] = g.node('Gather', [g.constant(int64Tensor(bases)), groups], { axis: 0 }, { name: `${name}/Gather_base` });
  const [index] = g.node('Add', [codes, base], {}, { name: `${name}/Add_index` });
  const embeds = gatherRows(ctx, name, table, dataType as DataTypeId, index, 'embeds');
  g.node('ReduceSum', [embeds, g.constant(int64Tensor([1]))], { keepdims: 1 }, { name: `${name}/ReduceSum`, outputs: ['embeds_sum'] });
  g.output('embeds', DataType.FLOAT, [BATCH, CODE_GROUPS, H]);
  g.output('embeds_sum', DataType.FLOAT, [BATCH, 1, H]);
}
