/**
 * Firefox: the names baked into a service worker's filtered script (workers-firefox.ts), one pair per origin, made up
 * once and kept in `storage.local`. A service worker's script is byte-compared with the one installed at each update
 * check (every `register()` and navigation in its scope fetches it again, through the filter): a name made up per
 * load, or per background start (Firefox stops an idle MV3 event page), would change the bytes and make the browser
 * install the worker again, which the page sees (`updatefound`, a new `install`). Kept across browser restarts for
 * the same reason (an installed worker keeps running its stored, filtered script). The page cannot read extension
 * storage, nor the filtered script (its own fetch of the script gets the unfiltered text, docs/reach-findings.md §9).
 * The origins listed are the ones whose service worker scripts were filtered: a bridge of such an origin listens on
 * its channel from its start (the worker may be running already, and its script not fetched again).
 */
import browser from 'webextension-polyfill';

export interface SwLink {
  /** the BroadcastChannel on which the origin's service worker hooks say `link-open` */
  channel: string;
  /** the per-realm key of worker-hook-firefox.ts (a module service worker's every module carries the hook) */
  realm: string;
}

const KEY = 'firefoxServiceWorkerLinks';

/** 128 random bits, as hex */
export function secret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

type Links = Record<string, SwLink>;

function isLink(x: unknown): x is SwLink {
  const l = x as Partial<SwLink> | null;
  return !!l && typeof l.channel === 'string' && typeof l.realm === 'string';
}

export function createSwLinks(storage: Pick<typeof browser.storage.local, 'get' | 'set'> = browser.storage.local) {
  let known: Promise<Links> | undefined;
  const load = () =>
    (known ??= storage.get(KEY).then(
      (got) => {
        const stored = (got as Record<string, unknown>)[KEY];
        const links: Links = Object.create(null);
        if (stored && typeof stored === 'object') for (const [origin, l] of Object.entries(stored)) if (isLink(l)) links[origin] = l;
        return links;
      },
      () => Object.create(null) as Links,
    ));
  // writes one after another, each with every name made up so far
  let saving: Promise<unknown> = Promise.resolve();
  return {
    /** the origin's names, made up (and kept) on first use; the same for every later call, in any later session */
    async of(origin: string): Promise<SwLink> {
      const links = await load();
      let link = links[origin];
      if (!link) {
        links[origin] = link = { channel: 'wslens-' + secret(), realm: 'wslens:' + secret() };
        saving = saving.then(() => storage.set({ [KEY]: { ...links } })).catch(() => {});
        await saving;
      }
      return link;
    },
    /** the channel of an origin whose service worker was filtered before, if any */
    async channelOf(origin: string): Promise<string | undefined> {
      return (await load())[origin]?.channel;
    },
  };
}
