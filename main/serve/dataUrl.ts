/**
 * `data:` URLs (RFC 2397), the only way media reaches this server: it never fetches a remote URL, so a request
 * cannot make it reach out to the network or to other services on this machine.
 */

export interface DataUrl {
  /** Lower-case media type without parameters, e.g. `image/png`. */
  mime: string;
  bytes: Uint8Array;
}

const DATA_URL = /^data:([^,]*?)(;base64)?,(.*)$/is;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** The URL's media type and bytes, or a sentence saying what is wrong with it. */
export function parseDataUrl(url: string): DataUrl | string {
  const match = DATA_URL.exec(url);
  if (!match) {
    return /^https?:/i.test(url)
      ? `remote URLs are not fetched by this server: send the file inline as a data: URL (data:<type>;base64,<data>)`
      : `must be a data: URL (data:<type>;base64,<data>)`;
  }
  const [, type, base64, payload] = match;
  const mime = type.split(';')[0].trim().toLowerCase();
  if (!mime) return 'the data: URL names no media type (data:<type>;base64,<data>)';
  if (!base64) return 'the data: URL must be base64-encoded (data:<type>;base64,<data>)';
  const bytes = decodeBase64(payload);
  return typeof bytes === 'string' ? bytes : { mime, bytes };
}

/** Standard or URL-safe base64, whitespace ignored; a sentence when it is not base64. */
export function decodeBase64(text: string): Uint8Array | string {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return 'is not valid base64';
  const bytes = Buffer.from(compact, 'base64');
  return bytes.length === 0 ? 'holds no data' : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
