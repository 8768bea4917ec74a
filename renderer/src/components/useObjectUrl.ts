import { useEffect, useState } from 'react';

/** A `blob:` URL for bytes held in memory (the CSP allows `img-src blob:`), revoked when they change or unmount. */
export function useObjectUrl(data: Uint8Array | undefined, type: string): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!data) return;
    // Attachment bytes are never shared memory, which is all the cast rules out.
    const created = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type }));
    setUrl(created);
    return () => {
      URL.revokeObjectURL(created);
      setUrl(undefined);
    };
  }, [data, type]);
  return url;
}
