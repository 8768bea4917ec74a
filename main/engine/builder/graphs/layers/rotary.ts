/**
 * 1-D RoPE tables computed inside the graph, for the graphs whose positions follow from their inputs alone (code
 * predictor: past length + 0…S−1; Code2Wav: 0…T−1), so the host feeds no rotary inputs. Float32 like transformers:
 * `freqs = inv_freq · position`, then cos/sin, in the `[B, S, D/2]` layout `makeAttentionShared` takes.
 */
import { DataType, floatTensor, int64Tensor } from '../../onnx/graph';
import { ropeInverseFrequencies } from '../../../runtime/mrope';
import type { LayerContext } from './context';

/**
 * `like` is any `[B, S, …]` tensor of the S positions; `start` an int64 scalar, the first position.
 * Returns cos/sin `[B, S, headDim/2]`.
 */
export function makeRotaryTables(ctx: LayerContext, like: string, start: string, headDim: number, theta: number): { cos: string; sin: string } {
  const { g } = ctx;
  const name = '/model/rotary_emb';
  const half = headDim / 2;
  const [shape] = g.node('Shape', [like], { start: 0, end: 2 }, { name: `${name}/Shape` });
  const [length] = g.node('Gather', [shape, g.constant(int64Tensor([1], []))], { axis: 0 }, { name: `${name}/Gather` });
  const [end] = g.node('Add', [start, length], {}, { name: `${name}/Add` });
  const [positions] = g.node('Range', [start, end, g.constant(int64Tensor([1], []))], {}, { name: `${name}/Range` });
  const [column] = g.node('Unsqueeze', [positions, g.constant(int64Tensor([1]))], {}, { name: `${name}/Unsqueeze` });
  const [asFloat] = g.node('Cast', [column], { to: DataType.FLOAT }, { name: `${name}/Cast` });
  const invFreq = g.constant(floatTensor(ropeInverseFrequencies(headDim, theta), [1, half]));
  const [freqs] = g.node('Mul', [asFloat, invFreq], {}, { name: `${name}/Mul` });
  const [tableShape] = g.node('Concat', [shape, g.constant(int64Tensor([half]))], { axis: 0 }, { name: `${name}/Concat` });
  const table = (op: 'Cos' | 'Sin') => {
    const [values] = g.node(op, [freqs], {}, { name: `${name}/${op}` });
    return g.node('Expand', [values, tableShape], {}, { name: `${name}/${op}/Expand` })[0];
  };
  return { cos: table('Cos'), sin: table('Sin') };
}
