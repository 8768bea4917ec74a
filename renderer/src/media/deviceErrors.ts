/**
 * What to tell the user when a microphone, camera, screen capture or output device cannot be used, by the
 * DOMException that getUserMedia, getDisplayMedia or setSinkId threw.
 */
export type MediaDevice = 'microphone' | 'camera' | 'screen' | 'speaker';

const ACCESS: Record<MediaDevice, string> = { microphone: 'Microphone', camera: 'Camera', screen: 'Screen capture', speaker: 'Speaker' };
const THE: Record<MediaDevice, string> = { microphone: 'The microphone', camera: 'The camera', screen: 'Screen capture', speaker: 'The speaker' };

export function describeDeviceError(device: MediaDevice, error: unknown): { message: string; hint?: string } {
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
