/**
 * Vite's `?worker&url` import: the module bundled on its own and emitted as a same-origin asset, answered with
 * its URL — what `audioWorklet.addModule` needs under a `script-src 'self'` policy. (Only this declaration is
 * taken from vite/client, whose other globals do not belong in the main-process code this project also checks.)
 */
declare module '*?worker&url' {
  const url: string;
  export default url;
}
