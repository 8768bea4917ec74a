/**
 * The formulas behind the sizes in models/catalog.json. Nothing here is measured: parameter counts come from
 * ../shared/spec/qwen3-omni.md §1.1 (header counts) and Appendix A (shapes, for the code predictor, which §1.1
 * counts inside the talker); the bytes per parameter follow the precision policy of ../shared/spec/onnx-bundle.md
 * §1–2. The catalog test recomputes every number so the file and these formulas cannot drift apart.
 */
import type { CatalogEntry, ComponentName, VariantName, VariantNeeds } from './schema';

const GiB = 1024 ** 3;

/**
 * On the CPU (activations fp32): `fp32` keeps every weight fp32; `int4` stores the MoE decoders as MatMulNBits /
 * QMoE int4 with one fp32 scale per block (experts use block 128: 0.5 + 4/128 B; their attention/embeddings use
 * block 32, 0.625 B, but are ~5 % of the parameters, so the expert rate stands for the whole decoder), the code
 * predictor fp16 (small and sampling-sensitive) and Code2Wav and the encoders fp32 (never int4).
 */
const CPU_BYTES_PER_PARAM: Record<VariantName, Record<ComponentName, number>> = {
  fp32: { thinker: 4, talker: 4, codePredictor: 4, code2wav: 4, audioEncoder: 4, visionEncoder: 4 },
  int4: { thinker: 0.5 + 4 / 128, talker: 0.5 + 4 / 128, codePredictor: 2, code2wav: 4, audioEncoder: 4, visionEncoder: 4 },
};

/** On a GPU the int4 family runs fp16 activations, so scales and unquantised weights halve (onnx-bundle §1). */
const GPU_BYTES_PER_PARAM: Record<VariantName, Record<ComponentName, number>> = {
  fp32: CPU_BYTES_PER_PARAM.fp32,
  int4: { thinker: 0.5 + 2 / 128, talker: 0.5 + 2 / 128, codePredictor: 2, code2wav: 2, audioEncoder: 2, visionEncoder: 2 },
};

/** KV-cache element size: fp32 on the CPU; on a GPU fp16 for int4, fp32 for the fp32 variant. */
const KV_BYTES = { cpu: { fp32: 4, int4: 4 }, gpu: { fp32: 4, int4: 2 } } as const;

/**
 * What stays resident once the sessions are open, per parameter, on onnxruntime 1.30's CPU kernels (measured; the
 * thinker bench prints it as "thinker session: resident memory"). fp32 weights are used where they lie: MatMul
 * prepacks its weight at the same size and frees the memory-mapped original, MoE experts are read from the mapped
 * file. The int4 MoE decoders cost three times their size on disk: QMoE's prepack keeps an unpacked byte per 4-bit
 * weight beside the MLAS Q4 GEMM cache (about 0.53 B) it computes from, and neither can be skipped — without the
 * cache decode is 10× slower, without prepacking 5–15× (onnxruntime's newer QNBit expert packing ends this; not in
 * 1.30). 1.57 B is the rate fitted over two synthetic thinkers, the real widths among them (hidden 2048, 128 × 768
 * experts); their MatMulNBits layers stay near their file size (1.15 B for the 8-bit head), a few % of the decoder.
 */
const CPU_RESIDENT_BYTES_PER_PARAM: Record<VariantName, Record<ComponentName, number>> = {
  fp32: CPU_BYTES_PER_PARAM.fp32,
  int4: { ...CPU_BYTES_PER_PARAM.int4, thinker: 1.57, talker: 1.57 },
};
const CPU_RUNTIME_OVERHEAD = 2 * GiB;
const GPU_WORKSPACE = 1 * GiB;

function weightBytes(entry: Pick<CatalogEntry, 'components'>, perParam: Record<ComponentName, number>): number {
  return Object.entries(entry.components).reduce((sum, [name, c]) => sum + (c ? c.params * perParam[name as ComponentName] : 0), 0);
}

/** K and V, per token, over every decoder layer: 2 × layers × kvHeads × headDim × element size. */
function kvBytesPerToken(entry: Pick<CatalogEntry, 'decoders'>, elementBytes: number): number {
  return Object.values(entry.decoders).reduce((sum, d) => sum + (d ? 2 * d.layers * d.kvHeads * d.headDim * elementBytes : 0), 0);
}

export function deriveNeeds(
  entry: Pick<CatalogEntry, 'components' | 'decoders' | 'downloadBytes'>,
  variant: VariantName,
  contextTokens: number,
): VariantNeeds {
  const bundleBytes = Math.ceil(weightBytes(entry, CPU_BYTES_PER_PARAM[variant]));
  const ramBytes = Math.ceil(weightBytes(entry, CPU_RESIDENT_BYTES_PER_PARAM[variant]) + kvBytesPerToken(entry, KV_BYTES.cpu[variant]) * contextTokens + CPU_RUNTIME_OVERHEAD);
  const vramBytes = Math.ceil(weightBytes(entry, GPU_BYTES_PER_PARAM[variant]) + kvBytesPerToken(entry, KV_BYTES.gpu[variant]) * contextTokens + GPU_WORKSPACE);
  return { bundleBytes, diskBytes: entry.downloadBytes + bundleBytes, ramBytes, vramBytes };
}

/** The checkpoint is bf16: two bytes per parameter (config and tokenizer files are a few MB and not counted). */
export const bf16Bytes = (params: number) => params * 2;
