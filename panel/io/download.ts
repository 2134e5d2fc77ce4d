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
