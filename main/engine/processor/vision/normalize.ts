/**
 * Rescale (1/255) and normalise ((x − mean)/std) of 8-bit pixels as a 256-entry table per channel: the input is
 * uint8, so every output value is one of 768 float32 numbers, computed once with transformers' own rounding steps.
 */

export interface NormalizationParams {
  rescaleFactor: number;
  mean: readonly number[];
  std: readonly number[];
}

/**
 * `fused` selects the arithmetic of transformers' torchvision backend (used for videos; the oracle's stand-in video
 * processor does the same): 1/255 folded into mean and std, one float32 subtraction and division. Unfused is the PIL
 * image backend: x·scale in float64 cast to float32, then float32 (x − mean)/std. The two differ by at most an ulp.
 */
export function normalizationTable({ rescaleFactor, mean, std }: NormalizationParams, fused: boolean): Float32Array[] {
  const f = Math.fround;
  return mean.map((m, c) => {
    const table = new Float32Array(256);
    const mean32 = f(fused ? m / rescaleFactor : m);
    const std32 = f(fused ? std[c] / rescaleFactor : std[c]);
    for (let v = 0; v < 256; v++) {
      const x = fused ? v : f(v * rescaleFactor);
      table[v] = f(f(x - mean32) / std32);
    }
    return table;
  });
}
