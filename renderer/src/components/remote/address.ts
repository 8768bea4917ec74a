/** How a server's address reads to a person, and whether what is sent to it travels in plain text. */

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** "gpu-box:8091" for http://gpu-box:8091/v1; what was typed when it is no URL yet. */
export function serverAddress(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

/** Plain http to another machine: anyone on the way can read (and change) what is sent and answered. */
export function sendsInPlainText(baseUrl: string): boolean {
  try {
    const url = new URL(baseUrl);
    return url.protocol === 'http:' && !LOOPBACK.test(url.hostname);
  } catch {
    return false;
  }
}
