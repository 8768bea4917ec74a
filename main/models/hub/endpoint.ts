/** The Hub base URL: `--endpoint`, else `HF_ENDPOINT` (as huggingface_hub reads it), else huggingface.co. */
import { ModelError } from '../errors';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export function resolveEndpoint(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(chosen);
  } catch {
    throw new ModelError('INVALID_REQUEST', `The Hub endpoint "${chosen}" is not a URL`, 'Give --endpoint (or HF_ENDPOINT) as https://host[/path].');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ModelError('INVALID_REQUEST', `The Hub endpoint "${chosen}" is not http(s)`, 'Give --endpoint (or HF_ENDPOINT) as https://host[/path].');
  }
  return chosen.replace(/\/+$/, '');
}

/** huggingface_hub's switch for "never touch the network"; Omnidesk honours it as well as its own --offline. */
export const offlineFromEnv = (env: NodeJS.ProcessEnv = process.env) => ['1', 'true', 'yes', 'on'].includes((env.HF_HUB_OFFLINE ?? '').toLowerCase());
