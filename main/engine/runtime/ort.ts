/**
 * onnxruntime-node for the whole engine, with Microsoft's usage telemetry off. Its builds carry a 1DS telemetry client
 * (events for mobile.events.data.microsoft.com; it leaves a `mat-debug-<pid>.log` in the temp folder of every process)
 * that starts with the first session unless ORT_DISABLE_TELEMETRY is set. "Nothing leaves the machine" includes the
 * runtime, so every import of onnxruntime-node goes through this module (lint enforces it), which sets the variable
 * before any session can exist.
 */
import './telemetryOff';

// eslint-disable-next-line no-restricted-imports -- the one import of the runtime
export * from 'onnxruntime-node';
