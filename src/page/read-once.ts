/**
 * Reading what the page hands a socket, once. The page's values are read exactly once, as the native would read them,
 * and the native is then handed plain values: a page whose toString or iterator answers differently the second time
 * (or counts its calls) sees one read, and the panel shows what the socket carried.
 */
import { natives as N, isArrayBuffer, isBlob, nullArray } from './natives';

export const isObjectLike = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

/** An iterable the native reads without any page code: own @@iterator, own `next`, prototype-less results. */
export function plainIterable(list: unknown[]): object {
  const iterable = { __proto__: null } as unknown as Record<PropertyKey, unknown>;
  iterable[N.symbolIterator] = () => {
    let i = 0;
    return {
      __proto__: null,
      next: () => (i < list.length ? { __proto__: null, value: list[i++], done: false } : { __proto__: null, value: undefined, done: true }),
    };
  };
  return iterable;
}

/**
 * `protocols` as Web IDL converts a `(DOMString or sequence<DOMString>)`: an object with @@iterator is iterated
 * once, each item converted to a string as it comes; another object is converted to a string. Returns what to give
 * the native and the list for the log. Where the page's iterable is malformed, the native is given an iterable
 * malformed the same way, so it throws its own error.
 */
export function readProtocols(p: unknown): { value: unknown; list: string[] } {
  const list = nullArray<string>();
  const answer = (value: unknown) => ({ __proto__: null, value, list }) as unknown as { value: unknown; list: string[] };
  /** an iterable whose @@iterator is `method`: for the native to fail on as it would have on the page's */
  const iterableWith = (method: unknown) => {
    const iterable = { __proto__: null } as unknown as Record<PropertyKey, unknown>;
    iterable[N.symbolIterator] = method;
    return answer(iterable);
  };
  if (!isObjectLike(p)) {
    if (typeof p === 'string') list[0] = p;
    else if (p !== undefined && typeof p !== 'symbol') list[0] = N.String(p);
    return answer(p);
  }
  const method = (p as Record<PropertyKey, unknown>)[N.symbolIterator];
  if (method === undefined || method === null) {
    list[0] = N.String(p);
    return answer(list[0]);
  }
  if (typeof method !== 'function') return iterableWith(method);
  const iterator = N.reflectApply(method as () => unknown, p, []) as Record<string, unknown>;
  if (!isObjectLike(iterator)) return iterableWith(() => iterator);
  const next = iterator.next;
  if (typeof next !== 'function') return iterableWith(() => ({ __proto__: null, next }));
  const items = nullArray<unknown>();
  for (;;) {
    const result = N.reflectApply(next as () => unknown, iterator, []) as Record<string, unknown>;
    if (!isObjectLike(result)) {
      // the strings read so far, then the page's malformed result, where the native fails as it would have
      let i = 0;
      const step = () => (i < items.length ? { __proto__: null, value: items[i++], done: false } : result);
      return iterableWith(() => ({ __proto__: null, next: step }));
    }
    if (result.done) break;
    const value = result.value;
    // a Symbol cannot become a string: the native throws its own TypeError on it
    const item = typeof value === 'symbol' ? value : N.String(value);
    items[items.length] = item;
    if (typeof item === 'symbol') break;
    list[list.length] = item;
  }
  return answer(plainIterable(items));
}

/** What send() converts to a string: anything but bytes and Blobs. Converted here, once; page code may run. */
export function readSendData(data: unknown): unknown {
  if (!isObjectLike(data) || isArrayBuffer(data) || N.isView(data) || isBlob(data)) return data;
  return N.String(data);
}
