/**
 * A small graph-building toolkit in the spirit of ORT-GenAI's builder: `node()` emits one op and returns its
 * output names, constants are de-duplicated under `/model/constants/{TYPE}/{dims}/{values}`, and weights
 * larger than `INLINE_LIMIT` go to the external data file so the protobuf stays far below 2 GB.
 */
import onnxProto from 'onnx-proto';
import type { DataSink, InitializerBytes, StreamedBytes } from './externalData';

const { onnx } = onnxProto;

export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  BFLOAT16: 16,
} as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

export type Dim = number | string;
export type AttributeValue = number | string | number[] | string[] | { float: number } | { floats: number[] };

/** Small tensors (norm weights, biases) stay inside the protobuf; the rest is mapped from the data file. */
export const INLINE_LIMIT = 16 * 1024;

export interface TensorData {
  dataType: DataTypeId;
  dims: number[];
  bytes: InitializerBytes;
}

/** A tensor whose bytes are all at hand: constants and small weights. */
export interface TensorValues extends TensorData {
  bytes: Uint8Array;
}

const bytesOf = (values: Float32Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

export const floatTensor = (values: Float32Array, dims: number[]): TensorValues => ({ dataType: DataType.FLOAT, dims, bytes: bytesOf(values) });

/** An fp32 tensor whose values arrive in consecutive pieces (a slab of rows at a time). */
export const streamedFloatTensor = (pieces: AsyncIterable<Float32Array>, dims: number[]): TensorData => ({
  dataType: DataType.FLOAT,
  dims,
  bytes: {
    byteLength: dims.reduce((a, b) => a * b, 1) * 4,
    chunks: (async function* () {
      for await (const values of pieces) yield bytesOf(values);
    })(),
  },
});

/** The pieces one after the other, as one tensor's bytes. */
export function joinedBytes(parts: StreamedBytes[]): StreamedBytes {
  return {
    byteLength: parts.reduce((n, part) => n + part.byteLength, 0),
    chunks: (async function* () {
      for (const part of parts) yield* part.chunks;
    })(),
  };
}

/** All of the bytes in one buffer: for the small tensors that stay inside the protobuf. */
async function collect(data: InitializerBytes): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data.slice();
  const out = new Uint8Array(data.byteLength);
  let at = 0;
  for await (const chunk of data.chunks) {
    if (at + chunk.byteLength > out.byteLength) throw new Error(`a tensor announced as ${out.byteLength} bytes brought more`);
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  if (at !== out.byteLength) throw new Error(`a tensor announced as ${out.byteLength} bytes brought ${at}`);
  return out;
}

export const int64Tensor = (values: number[] | BigInt64Array, dims: number[] = [values.length]): TensorValues => {
  const wide = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  return { dataType: DataType.INT64, dims, bytes: new Uint8Array(wide.buffer, wide.byteOffset, wide.byteLength) };
};

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return { name, type: A.STRINGS, strings: (value as string[]).map((v) => new TextEncoder().encode(v)) };
    }
    return { name, type: A.INTS, ints: value as number[] };
  }
  if ('float' in value) return { name, type: A.FLOAT, f: value.float };
  return { name, type: A.FLOATS, floats: value.floats };
}

function valueInfo(name: string, dataType: DataTypeId, shape: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: dataType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A graph input or output as declared: what a manifest records and a runtime feeds. */
export interface IoSpec {
  name: string;
  dataType: DataTypeId;
  shape: Dim[];
}

export interface NodeOptions {
  name?: string;
  domain?: string;
  /** Output names; by default `{name}/output_{k}` for `outputCount` outputs. */
  outputs?: string[];
  outputCount?: number;
}

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: IoSpec[] = [];
  private readonly outputs: IoSpec[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly domains = new Set<string>(['']);
  private counter = 0;

  constructor(
    readonly name: string,
    private readonly data: DataSink,
  ) {}

  input(name: string, dataType: DataTypeId, shape: Dim[]): string {
    this.inputs.push({ name, dataType, shape });
    return name;
  }

  output(name: string, dataType: DataTypeId, shape: Dim[]): string {
    this.outputs.push({ name, dataType, shape });
    return name;
  }

  get signature(): { inputs: IoSpec[]; outputs: IoSpec[] } {
    return { inputs: [...this.inputs], outputs: [...this.outputs] };
  }

  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, options: NodeOptions = {}): string[] {
    const name = this.unique(options.name ?? `/${opType}_${this.counter++}`);
    const outputs = options.outputs ?? Array.from({ length: options.outputCount ?? 1 }, (_, k) => `${name}/output_${k}`);
    const domain = options.domain ?? '';
    this.domains.add(domain);
    this.nodes.push({
      name,
      opType,
      domain,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputs;
  }

  /** A named weight: inline when small, else appended to the external data file (a streamed one as it arrives). */
  async initializer(name: string, tensor: TensorData): Promise<string> {
    const proto: onnxProto.onnx.ITensorProto = { name: this.unique(name), dataType: tensor.dataType, dims: tensor.dims };
    if (tensor.bytes.byteLength <= INLINE_LIMIT) {
      proto.rawData = await collect(tensor.bytes);
    } else {
      const where = await this.data.append(tensor.bytes);
      proto.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      proto.externalData = [
        { key: 'location', value: where.location },
        { key: 'offset', value: String(where.offset) },
        { key: 'length', value: String(where.length) },
      ];
    }
    this.initializers.push(proto);
    return proto.name as string;
  }

  /** A small constant, shared by every node that needs the same value. */
  constant(tensor: TensorValues): string {
    const typeName = Object.entries(DataType).find(([, id]) => id === tensor.dataType)?.[0] ?? String(tensor.dataType);
    const key = `${typeName}/${tensor.dims.join('x')}/${Buffer.from(tensor.bytes).toString('hex')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = this.unique(`/model/constants/${typeName}/${this.constants.size}`);
    this.initializers.push({ name, dataType: tensor.dataType, dims: tensor.dims, rawData: tensor.bytes.slice() });
    this.constants.set(key, name);
    return name;
  }

  toModel(options: { producerVersion: string; irVersion?: number; opset?: number }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: options.irVersion ?? 10,
      producerName: 'omnidesk-builder',
      producerVersion: options.producerVersion,
      opsetImport: [...this.domains].map((domain) => ({ domain, version: domain === '' ? (options.opset ?? 21) : 1 })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs.map((io) => valueInfo(io.name, io.dataType, io.shape)),
        output: this.outputs.map((io) => valueInfo(io.name, io.dataType, io.shape)),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private unique(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: duplicate name ${name}`);
    this.names.add(name);
    return name;
  }
}
