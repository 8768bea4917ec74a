/** Evaluated before onnxruntime-node (ort.ts imports it first): the runtime reads the variable when its environment starts. */
process.env.ORT_DISABLE_TELEMETRY = '1';
