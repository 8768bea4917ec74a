/**
 * The smallest useful ONNX model (y = x + x over a float vector), built in memory. Creating and running a session
 * of it proves an execution provider really loads on this machine, which a backend list alone cannot tell.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export function probeModelBytes(): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const vector = (name: string) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 4 }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'omnidesk-probe',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'probe',
      node: [{ opType: 'Add', input: ['x', 'x'], output: ['y'], name: 'add' }],
      input: [vector('x')],
      output: [vector('y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
