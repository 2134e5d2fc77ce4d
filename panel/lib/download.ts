/**
 * Save text as a file from the panel. An <a download> on a blob: URL is the one way that works in both browsers'
 * DevTools panels without the `downloads` permission; the URL is revoked once the browser has taken the file.
 */
export function saveFile(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** `ws-lens-example.com-2026-11-25T10-03-12` */
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
