/**
 * The model catalog (`models/catalog.json`): GPT4All's minimal entry (name, size, checksum, RAM needed, quant) plus
 * what Omnidesk needs before a download (../shared/spec/desktop-ux.md §1.4): a pinned revision, per-component sizes
 * (a text-only model has no talker), the license, and the disk/RAM/VRAM needs of each buildable variant. Per-file
 * sha256 come from the Hub listing at download time, pinned by the revision.
 */
import { z } from 'zod';

const Bytes = z.number().int().nonnegative();

const Component = z.strictObject({ params: z.number().int().positive(), bf16Bytes: Bytes });

export const COMPONENTS = ['thinker', 'talker', 'codePredictor', 'code2wav', 'audioEncoder', 'visionEncoder'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

const Decoder = z.strictObject({ layers: z.number().int().positive(), kvHeads: z.number().int().positive(), headDim: z.number().int().positive() });

export const VARIANTS = ['fp32', 'int4'] as const;
export type VariantName = (typeof VARIANTS)[number];

const Needs = z.strictObject({
  /** The built bundle alone. */
  bundleBytes: Bytes,
  /** Peak disk while building: the downloaded checkpoint plus the bundle. */
  diskBytes: Bytes,
  /** Running on the CPU: resident weights, session-creation overhead, KV cache at the catalog's context, runtime. */
  ramBytes: Bytes,
  /** Running on one GPU: weights, KV cache and workspace in GPU memory. */
  vramBytes: Bytes,
});

const Entry = z.strictObject({
  id: z.string().regex(/^[^/]+\/[^/]+$/, 'expected organisation/name'),
  displayName: z.string().min(1),
  default: z.boolean(),
  speech: z.boolean(),
  license: z.string().min(1),
  revision: z.string().min(1),
  /** Where the revision comes from, or why it is a branch rather than a commit. */
  revisionNote: z.string().min(1),
  downloadBytes: Bytes,
  components: z.strictObject({
    thinker: Component,
    talker: Component.optional(),
    codePredictor: Component.optional(),
    code2wav: Component.optional(),
    audioEncoder: Component,
    visionEncoder: Component,
  }),
  decoders: z.strictObject({ thinker: Decoder, talker: Decoder.optional() }),
  /** ONNX Runtime execution providers a built bundle of this entry has been tested on (none yet). */
  testedExecutionProviders: z.array(z.enum(['cpu', 'cuda', 'webgpu', 'dml', 'coreml'])),
  variants: z.strictObject({ fp32: Needs, int4: Needs }),
});

export const CatalogSchema = z
  .strictObject({
    formatVersion: z.literal(1),
    /** The context length the KV-cache term of every estimate assumes. */
    estimateContextTokens: z.number().int().positive(),
    notes: z.array(z.string()),
    models: z.array(Entry).min(1),
  })
  .superRefine((catalog, ctx) => {
    const defaults = catalog.models.filter((m) => m.default).length;
    if (defaults !== 1) ctx.addIssue({ code: 'custom', path: ['models'], message: `exactly one entry must be the default (found ${defaults})` });
    catalog.models.forEach((model, i) => {
      if (catalog.models.findIndex((m) => m.id === model.id) !== i) ctx.addIssue({ code: 'custom', path: ['models', i, 'id'], message: `duplicate id ${model.id}` });
      const speechParts = model.components.talker && model.components.codePredictor && model.components.code2wav;
      if (model.speech !== Boolean(speechParts)) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'components'], message: 'a speech model needs talker, codePredictor and code2wav; a text-only model has none' });
      }
    });
  });

export type Catalog = z.infer<typeof CatalogSchema>;
export type CatalogEntry = Catalog['models'][number];
export type VariantNeeds = CatalogEntry['variants'][VariantName];
