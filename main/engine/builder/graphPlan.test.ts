import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { readOmniConfig, type OmniConfig } from './config';
import { readEncoderConfigs, type EncoderConfigs } from './encoderConfig';
import { planGraphs, plannedTensors, type PlannedGraph } from './graphPlan';
import { ExternalDataWriter } from './onnx/externalData';
import { GraphBuilder } from './onnx/graph';
import { openCheckpoint, type TensorInfo } from './safetensors';
import { readSpeechConfig, type SpeechConfig } from './speechConfig';
import { WeightReader } from './weights';

/** The names of the tensors a graph's maker asks for. */
class RecordingWeights extends WeightReader {
  readonly names = new Set<string>();

  override info(name: string, shape?: number[]) {
    this.names.add(name);
    return super.info(name, shape);
  }
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-graph-plan-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let tensors: Map<string, TensorInfo>;
let config: OmniConfig;
let encoders: EncoderConfigs;
let speech: SpeechConfig;
beforeAll(async () => {
  tensors = await openCheckpoint(TINY_CHECKPOINT_DIR);
  config = await readOmniConfig(TINY_CHECKPOINT_DIR);
  encoders = await readEncoderConfigs(TINY_CHECKPOINT_DIR);
  speech = (await readSpeechConfig(TINY_CHECKPOINT_DIR))!;
});

/** The tensors a graph's maker reads, and the bytes it reads, as the build's progress counts them. */
async function reads(graph: PlannedGraph): Promise<{ names: string[]; bytes: number }> {
  let bytes = 0;
  const weights = new RecordingWeights(tensors, (read) => (bytes += read));
  // Written as the build writes it: weights may be read only as their bytes go to the data file.
  const data = await ExternalDataWriter.create(path.join(mkdtempSync(path.join(scratch, `${graph.name}-`)), `${graph.name}.onnx.data`));
  try {
    await graph.make({ g: new GraphBuilder(graph.name, data), weights, precision: { kind: 'fp32' } });
  } finally {
    await data.close();
  }
  return { names: [...weights.names].sort(), bytes };
}

/** What the plan says a graph reads. */
function planned(graph: PlannedGraph): { names: string[]; bytes: number } {
  const infos = plannedTensors(graph, tensors.values());
  return { names: infos.map((t) => t.name).sort(), bytes: infos.reduce((n, t) => n + t.byteLength, 0) };
}

describe('the graph plan', () => {
  it('lists the graphs in build order: Code2Wav as the split pair only', () => {
    expect(planGraphs(config, encoders, speech).map((g) => g.name)).toEqual([
      'embed_tokens',
      'audio_encoder',
      'vision_encoder',
      'thinker',
      'talker_proj',
      'talker',
      'codec_embed',
      'code_predictor',
      'code2wav_transformer',
      'code2wav_decoder',
    ]);
    expect(planGraphs(config, encoders, null).map((g) => g.name)).toEqual(['embed_tokens', 'audio_encoder', 'vision_encoder', 'thinker']);
  });

  it("names exactly the tensors each graph reads, each read once, and the graphs read every tensor of the tiny checkpoint once: the progress total is the checkpoint's bytes", async () => {
    const everyRead: string[] = [];
    let bytes = 0;
    for (const graph of planGraphs(config, encoders, speech)) {
      const read = await reads(graph);
      expect({ graph: graph.name, ...read }).toEqual({ graph: graph.name, ...planned(graph) });
      everyRead.push(...read.names);
      bytes += read.bytes;
    }
    expect(everyRead.sort()).toEqual([...tensors.keys()].sort());
    expect(bytes).toBe([...tensors.values()].reduce((n, t) => n + t.byteLength, 0));
  });

  it('with tied output heads, the thinker and the talker read their embedding tables again', async () => {
    const tied = planGraphs(
      { ...config, thinker: { ...config.thinker, tieWordEmbeddings: true } },
      encoders,
      { ...speech, talker: { ...speech.talker, tieWordEmbeddings: true } },
    );
    for (const [name, table] of [['thinker', 'thinker.model.embed_tokens.weight'], ['talker', 'talker.model.codec_embedding.weight']]) {
      const graph = tied.find((g) => g.name === name)!;
      const read = await reads(graph);
      expect(read).toEqual(planned(graph));
      expect(read.names).toContain(table);
    }
  });
});
