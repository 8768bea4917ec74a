/**
 * What to tell the user when a microphone, camera or screen capture cannot start, by the DOMException that
 * getUserMedia or getDisplayMedia threw.
 */
export type CaptureDevice = 'microphone' | 'camera' | 'screen';

const ACCESS: Record<CaptureDevice, string> = { microphone: 'Microphone', camera: 'Camera', screen: 'Screen capture' };
const THE: Record<CaptureDevice, string> = { microphone: 'The microphone', camera: 'The camera', screen: 'Screen capture' };

export function describeDeviceError(device: CaptureDevice, error: unknown): { message: string; hint?: string } {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
      return { message: `${ACCESS[device]} access was denied.`, hint: `Allow Omnidesk to use the ${device === 'screen' ? 'screen' : device} in your system’s privacy settings, then try again.` };
    case 'NotFoundError':
      return { message: `No ${device} was found.`, hint: device === 'screen' ? undefined : `Connect a ${device}, or choose another one in Settings.` };
    case 'OverconstrainedError':
      return { message: `The chosen ${device} is not connected.`, hint: 'Choose another one in Settings.' };
    case 'NotReadableError':
      return { message: `${THE[device]} is in use by another program or could not be started.`, hint: 'Close the other program, then try again.' };
    default:
      return { message: `${THE[device]} could not be started: ${error instanceof Error ? error.message : String(error)}` };
  }
}
