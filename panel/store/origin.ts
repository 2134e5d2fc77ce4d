/**
 * Rules are kept per origin of the inspected page: the origin as the background took it from the browser (never as
 * the page announces it), or for pages without one (about:blank, file:, data:) their URL.
 */
export function rulesOriginOf(origin: string | undefined, url: string): string {
  return origin && origin !== 'null' ? origin : originKey(url);
}

export function originKey(url: string): string {
  try {
    const o = new URL(url).origin;
    return o === 'null' ? url : o;
  } catch {
    return url;
  }
}
