import { describe, expect, it } from 'vitest';
import { describeDeviceError } from './deviceErrors';

const thrown = (name: string, message = 'x') => new DOMException(message, name);

describe('device errors', () => {
  it('names the device and the next step for each way getUserMedia fails', () => {
    expect(describeDeviceError('microphone', thrown('NotAllowedError'))).toEqual({
      message: 'Microphone access was denied.',
      hint: 'Allow Omnidesk to use the microphone in your system’s privacy settings, then try again.',
    });
    expect(describeDeviceError('camera', thrown('NotFoundError'))).toEqual({ message: 'No camera was found.', hint: 'Connect a camera, or choose another one in Settings.' });
    expect(describeDeviceError('microphone', thrown('OverconstrainedError'))).toEqual({ message: 'The chosen microphone is not connected.', hint: 'Choose another one in Settings.' });
    expect(describeDeviceError('camera', thrown('NotReadableError')).message).toBe('The camera is in use by another program or could not be started.');
  });

  it('says what the browser said when the failure is of another kind', () => {
    expect(describeDeviceError('screen', new TypeError('getDisplayMedia is not a function'))).toEqual({
      message: 'Screen capture could not be started: getDisplayMedia is not a function',
    });
    expect(describeDeviceError('screen', thrown('NotFoundError')).hint).toBeUndefined();
  });
});
