/** `ws-lens-example.com-2026-11-25T10-03-12`: what the panel names the files it saves. */
export function fileStem(pageUrl: string | undefined, now = new Date()): string {
  let host = 'page';
  try {
    host = new URL(pageUrl ?? '').host || host;
  } catch {
    // about:blank, file: and the like keep the generic name
  }
  const stamp = now.toISOString().slice(0, 19).replace(/:/g, '-');
  return `ws-lens-${host.replace(/[^\w.-]+/g, '_')}-${stamp}`;
}
