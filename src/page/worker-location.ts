/**
 * Firefox, a worker the document hook re-made from a blob: or data: URL (worker-wrap-firefox.ts): its real URL is the
 * re-made one, so `self.location` (its `href` getter and `toString`) answers for the worker's own location with the URL the page gave, and for anything else as the native
 * does. The origin is the same either way (the page's for blob:, opaque for data:) and stays native. The wrappers
 * look native (disguise.ts: a Proxy keeps name and length, `mask` makes toString answer with the native's text).
 * What still names the re-made URL: stacks, `import.meta.url`, an uncaught error's `filename` (README, Known limits).
 */
import { natives as N, getter } from './natives';
import { asNative, wrap, type Trap } from './disguise';

/**
 * Only `href` (and `toString`) name the whole URL. Firefox's other parts of a blob: or data: worker's location are
 * the same for any URL of that scheme (measured: protocol `blob:`/`data:`, host, pathname, search empty; the
 * URL parser's pathname of a blob: URL is not what WorkerLocation says), and the re-made URL keeps the page's
 * fragment, so the natives answer those as they would.
 */
const PARTS = ['href'];

export function disguiseLocation(g: typeof globalThis, href: string, mask: (wrapper: object, native: object) => void): void {
  const WL = (g as { WorkerLocation?: { prototype: object } }).WorkerLocation;
  const where = (g as { location?: object }).location;
  if (!WL || !where) return;
  const proto = WL.prototype;
  let url: URL;
  try {
    url = new N.URL(href);
  } catch {
    return;
  }
  for (let i = 0; i < PARTS.length; i++) {
    const name = PARTS[i] as string;
    const d = N.getOwnPropertyDescriptor(proto, name);
    if (!d || typeof d.get !== 'function') continue;
    const value = name === 'href' ? N.urlHref(url) : getter(N.URL.prototype, name)(url);
    const native = d.get;
    const apply = function locationGet(target: () => unknown, self: unknown, args: unknown[]): unknown {
      if (self === where) return value;
      try {
        return N.reflectApply(target, self, args);
      } catch (err) {
        throw asNative(err, locationGet as Trap);
      }
    };
    const wrapped = wrap(native, { apply } as ProxyHandler<() => unknown>);
    mask(wrapped, native);
    N.defineProperty(proto, name, { ...d, get: wrapped });
  }
  const t = N.getOwnPropertyDescriptor(proto, 'toString');
  if (t && typeof t.value === 'function') {
    const native = t.value as () => string;
    const value = N.urlHref(url);
    const apply = function locationToString(target: () => string, self: unknown, args: unknown[]): unknown {
      if (self === where) return value;
      try {
        return N.reflectApply(target, self, args);
      } catch (err) {
        throw asNative(err, locationToString as Trap);
      }
    };
    const wrapped = wrap(native, { apply } as ProxyHandler<() => string>);
    mask(wrapped, native);
    N.defineProperty(proto, 'toString', { ...t, value: wrapped });
  }
}
