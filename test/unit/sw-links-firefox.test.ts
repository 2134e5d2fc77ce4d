// The names written into a Firefox service worker's script (src/background/sw-links-firefox.ts): one pair per origin,
// the same for every later call and for a later background (a new instance over the same storage), or the browser
// would see a changed script and update the worker.
import { describe, expect, it, vi } from 'vitest';

vi.mock('webextension-polyfill', () => ({ default: { storage: {} } }));
const { createSwLinks } = await import('../../src/background/sw-links-firefox');

/** extension storage as the browser keeps it: values are copied in and out */
function memoryStorage() {
  const data: Record<string, unknown> = {};
  return {
    data,
    get: async (key: string) => (key in data ? { [key]: structuredClone(data[key]) } : {}),
    set: async (items: Record<string, unknown>) => void Object.assign(data, structuredClone(items)),
  };
}

describe('createSwLinks', () => {
  it('gives an origin the same names on every call, and a later background the same ones', async () => {
    const storage = memoryStorage();
    const links = createSwLinks(storage as never);
    const [a, b] = await Promise.all([links.of('https://a.test'), links.of('https://a.test')]);
    expect(a).toEqual(b);
    expect(a.channel).toMatch(/^wslens-[0-9a-f]{32}$/);
    expect(a.realm).toMatch(/^wslens:[0-9a-f]{32}$/);
    const other = await links.of('https://b.test');
    expect(other.channel).not.toBe(a.channel);
    // the event page stopped and started again: a new instance reads what the first kept
    const later = createSwLinks(storage as never);
    expect(await later.of('https://a.test')).toEqual(a);
    expect(await later.of('https://b.test')).toEqual(other);
    expect(await later.channelOf('https://a.test')).toBe(a.channel);
  });
  it('knows no channel for an origin whose service worker it never filtered, and ignores malformed storage', async () => {
    const storage = memoryStorage();
    storage.data.firefoxServiceWorkerLinks = { 'https://x.test': { channel: 1 }, __proto__: { polluted: true } };
    const links = createSwLinks(storage as never);
    expect(await links.channelOf('https://x.test')).toBeUndefined();
    expect(await links.channelOf('https://never.test')).toBeUndefined();
    expect((await links.of('https://x.test')).channel).toMatch(/^wslens-/);
  });
});
