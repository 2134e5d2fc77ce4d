/**
 * Firefox: dedicated workers the page builds from `blob:` and `data:` URLs. webRequest never sees their scripts
 * (docs/reach-findings.md §1), so the background's filter cannot put the hook in front of them; the document hook
 * does it instead, as NoScript does (hackademix/nscl, main/patchWorkers.main.js): it wraps the `Worker` constructor,
 * and for a blob:/data: URL reads the script (a synchronous XHR of the blob:, the data: URL decoded here), writes the
 * worker hook (the same bundle the background writes, carried in this script at build time) in front of it, and
 * constructs the native Worker from a new URL of the same scheme, so the page's CSP (`worker-src`) and the worker's
 * origin (the page's for blob:, opaque for data:) are what they are without the extension. The worker's link back is
 * a MessagePort: posted to the worker right after it is constructed, before the page can post anything, and taken by
 * the worker's hook before any of the worker's own listeners (link.ts, portLink); the other end goes to the frame's
 * content bridge over the hook's own port. Inside the worker the hook makes `self.location` say the page's URL
 * (worker-location.ts).
 *
 * What cannot be the same (measured, docs/reach-findings.md §11): stacks and an uncaught error's `filename` name the
 * new URL; a CSP `connect-src` without `blob:` refuses the XHR (the worker then runs unhooked, and the page gets the
 * violation report); under Trusted Types a page policy that rewrites a blob:/data: URL leaves that worker unhooked.
 * Anything that cannot be read or re-made falls back to the native constructor with the page's own arguments.
 */
import { natives as N, getter, nullArray, uncurry } from './natives';
import { asNative, wrap, type Trap } from './disguise';
import { hookOffset } from '../shared/hook-offset';

export interface WorkerWrapDeps {
  /** make a wrapper's toString answer with its native's text (the hook's disguise) */
  mask(wrapper: object, native: object): void;
  /** hand the worker's end of its link (`port`) to the frame's content bridge */
  handOver(port: MessagePort): void;
  /** the worker hook's bundle (worker-hook-firefox.js) */
  code: string;
}

type G = typeof globalThis & {
  Worker?: typeof Worker;
  XMLHttpRequest?: typeof XMLHttpRequest;
  TrustedTypePolicyFactory?: { prototype: TrustedTypePolicyFactory };
  TrustedTypePolicy?: { prototype: TrustedTypePolicy };
  TrustedScriptURL?: { prototype: object };
  trustedTypes?: TrustedTypePolicyFactory;
  document?: Document;
  Node?: typeof Node;
};
interface TrustedTypePolicyFactory {
  createPolicy(name: string, rules?: unknown): TrustedTypePolicy;
  isScriptURL(v: unknown): boolean;
}
interface TrustedTypePolicy {
  createScriptURL(input: string, ...rest: unknown[]): unknown;
}

const HEX = '0123456789abcdef';

/** a copy of an argument list with its first item replaced, made without the page's Array.prototype */
function withFirst(args: ArrayLike<unknown>, first: unknown): unknown[] {
  const out = nullArray<unknown>(args.length);
  out[0] = first;
  for (let i = 1; i < args.length; i++) out[i] = args[i];
  return out;
}

/** a worker being re-made: the URL the page gave and the one the native gets instead */
interface Pending {
  ours: string;
  theirs: string;
  /** the page gave a TrustedScriptURL: no policy of its own runs natively */
  trusted: boolean;
}

export function wrapWorkers(g: G, deps: WorkerWrapDeps): void {
  const NativeWorker = g.Worker;
  const XHR = g.XMLHttpRequest;
  if (typeof NativeWorker !== 'function' || typeof XHR !== 'function' || !deps.code) return;
  const construct = N.reflectConstruct as (target: unknown, args: ArrayLike<unknown>, newTarget: unknown) => object;
  const workerPostMessage = uncurry(NativeWorker.prototype.postMessage) as (w: Worker, msg: unknown, transfer: Transferable[]) => void;
  const Channel = g.MessageChannel;
  const xhrOpen = uncurry(XHR.prototype.open) as (x: XMLHttpRequest, method: string, url: string, async: boolean) => void;
  const xhrSend = uncurry(XHR.prototype.send) as (x: XMLHttpRequest) => void;
  const xhrOverride = uncurry(XHR.prototype.overrideMimeType) as (x: XMLHttpRequest, mime: string) => void;
  const xhrText = getter(XHR.prototype, 'responseText') as (x: XMLHttpRequest) => string;
  const xhrHeader = uncurry(XHR.prototype.getResponseHeader) as (x: XMLHttpRequest, name: string) => string | null;
  const URLCtor = g.URL;
  const createObjectURL = URLCtor.createObjectURL;
  const revokeObjectURL = URLCtor.revokeObjectURL;
  const Decoder = g.TextDecoder;
  const decode = uncurry(Decoder.prototype.decode) as (d: TextDecoder, b: Uint8Array) => string;
  const encodeURIComponent = g.encodeURIComponent;
  const getRandomValues = uncurry(g.crypto.getRandomValues) as unknown as (c: Crypto, a: Uint8Array) => Uint8Array;
  const doc = g.document;
  const baseURI = doc && g.Node ? (getter(g.Node.prototype, 'baseURI') as (n: Node) => string) : undefined;
  const toLower = uncurry(String.prototype.toLowerCase) as (s: string) => string;
  const tt = trustedTypesGate(g, deps.mask);

  function secret(): string {
    const bytes = getRandomValues(g.crypto, new N.Uint8Array(16));
    let s = '';
    for (let i = 0; i < 16; i++) s += HEX[(bytes[i] as number) >> 4] + HEX[(bytes[i] as number) & 15];
    return s;
  }

  /** bytes to text as a worker script is decoded: UTF-8, a UTF-8 BOM dropped; undefined for a UTF-16 BOM */
  function utf8(bytes: Uint8Array): string | undefined {
    if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return undefined;
    return decode(new Decoder('utf-8'), bytes);
  }

  /** a blob: script's bytes and type, read synchronously; undefined if it cannot be read (revoked, CSP connect-src) */
  function readBlob(url: string): { text: string; type: string } | undefined {
    try {
      const x = new XHR();
      xhrOpen(x, 'GET', url, false);
      // each byte as one char (x-user-defined), decoded below exactly as a worker script is
      xhrOverride(x, 'text/plain; charset=x-user-defined');
      xhrSend(x);
      const raw = xhrText(x);
      const bytes = new N.Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = N.charCodeAt(raw, i) & 0xff;
      const text = utf8(bytes);
      return text === undefined ? undefined : { text, type: xhrHeader(x, 'content-type') ?? '' };
    } catch {
      return undefined;
    }
  }

  /** a data: URL's script and its MIME part (without `;base64`), decoded as the fetch spec does */
  function readData(url: string): { text: string; meta: string } | undefined {
    const comma = N.stringIndexOf(url, ',');
    if (comma < 0) return undefined;
    let meta = N.stringSlice(url, 5, comma);
    const body = N.stringSlice(url, comma + 1);
    const b64 = N.regexpExec(/;[ ]*base64[ ]*$/i, meta) as RegExpExecArray | null;
    try {
      let bytes: Uint8Array;
      if (b64) {
        meta = N.stringSlice(meta, 0, b64.index);
        const bin = N.atob(percentDecodeToBinary(body));
        bytes = new N.Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = N.charCodeAt(bin, i);
      } else bytes = percentDecode(body);
      const text = utf8(bytes);
      return text === undefined ? undefined : { text, meta };
    } catch {
      return undefined;
    }
  }

  function percentDecode(s: string): Uint8Array {
    const enc = N.textEncode(new N.TextEncoder(), s);
    const out = new N.Uint8Array(enc.length);
    let n = 0;
    for (let i = 0; i < enc.length; i++) {
      const h = hex(enc[i + 1]);
      const l = hex(enc[i + 2]);
      if (enc[i] === 0x25 && h >= 0 && l >= 0) {
        out[n++] = h * 16 + l;
        i += 2;
      } else out[n++] = enc[i] as number;
    }
    return out.subarray(0, n);
  }
  function percentDecodeToBinary(s: string): string {
    const bytes = percentDecode(s);
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += N.fromCharCode(bytes[i] as number);
    // forgiving base64: ASCII white space is dropped
    let kept = '';
    for (let i = 0; i < out.length; i++) {
      const c = N.charCodeAt(out, i);
      if (c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d && c !== 0x20) kept += out[i];
    }
    return kept;
  }
  function hex(c: number | undefined): number {
    if (c === undefined) return -1;
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x41 && c <= 0x46) return c - 0x37;
    if (c >= 0x61 && c <= 0x66) return c - 0x57;
    return -1;
  }

  /** the worker's script with the hook in front (in the same line as its first), configured for this worker */
  function hooked(text: string, href: string, key: string): string {
    const config = N.stringify({ channel: '', realm: 'wslens:' + key, port: key, href });
    const at = hookOffset(text);
    return N.stringSlice(text, 0, at) + `(()=>{const wsLensWorker=${config};${deps.code}})();` + N.stringSlice(text, at);
  }

  /** the same worker at a new URL of the same scheme, its hook in front; undefined if it cannot be re-made */
  function remake(url: string, scheme: string, key: string): { url: string; blob?: string } | undefined {
    // the fragment is no part of what is fetched; the re-made URL keeps it, so the location's `hash` is the page's
    const at = N.stringIndexOf(url, '#');
    const fragment = at < 0 ? '' : N.stringSlice(url, at);
    const fetched = at < 0 ? url : N.stringSlice(url, 0, at);
    if (scheme === 'blob:') {
      const read = readBlob(fetched);
      if (!read) return undefined;
      const blob = new N.Blob([hooked(read.text, url, key)], { __proto__: null, type: read.type } as BlobPropertyBag);
      const made = N.reflectApply(createObjectURL, URLCtor, [blob]) as string;
      return { url: made + fragment, blob: made };
    }
    const read = readData(fetched);
    if (!read) return undefined;
    return { url: 'data:' + read.meta + ',' + encodeURIComponent(hooked(read.text, url, key)) + fragment };
  }

  const Wrapped = wrap(NativeWorker, {
    construct: function workerConstruct(target: typeof Worker, args: unknown[], newTarget: object): object {
      if (args.length === 0) {
        try {
          return construct(target, args, newTarget);
        } catch (err) {
          throw asNative(err, workerConstruct as Trap);
        }
      }
      // the page's URL, converted once (as the native would: a TrustedScriptURL as it is, anything else to a string)
      const given = args[0];
      const trusted = tt !== undefined && tt.isScriptURL(given);
      let theirs: string;
      try {
        theirs = trusted ? tt!.text(given) : `${given as string}`;
      } catch (err) {
        throw asNative(err, workerConstruct as Trap);
      }
      const native = (first: unknown) => {
        try {
          return construct(target, withFirst(args, first), newTarget) as Worker;
        } catch (err) {
          throw asNative(err, workerConstruct as Trap);
        }
      };
      let scheme = '';
      let href = '';
      try {
        const parsed = new URLCtor(theirs, baseURI && doc ? baseURI(doc) : undefined);
        scheme = toLower(N.urlProtocol(parsed));
        href = N.urlHref(parsed);
      } catch {
        // not a URL: the native says so
      }
      if (scheme !== 'blob:' && scheme !== 'data:') return native(trusted ? given : theirs);
      const key = secret();
      const made = remake(href, scheme, key);
      if (!made) return native(trusted ? given : theirs);
      let worker: Worker;
      const pending: Pending = { ours: made.url, theirs, trusted };
      try {
        worker = construct(target, withFirst(args, tt ? tt.forWorker(pending) : made.url), newTarget) as Worker;
      } catch {
        // refused as the page's own URL may not be (a Trusted Types policy that rewrites it): the native decides
        if (made.blob) N.reflectApply(revokeObjectURL, URLCtor, [made.blob]);
        return native(trusted ? given : theirs);
      } finally {
        if (tt) tt.done();
      }
      // the worker holds its script from here (the constructor took the blob URL's entry: measured, a worker whose URL is
      // revoked right after it is constructed runs): the copy is not kept for the page's lifetime
      if (made.blob) N.reflectApply(revokeObjectURL, URLCtor, [made.blob]);
      // the link: the first message the worker gets, before anything the page posts (link.ts, portLink)
      try {
        const channel = new Channel();
        workerPostMessage(worker, key, [channel.port1]);
        deps.handOver(channel.port2);
      } catch {
        // the worker runs hooked; it only cannot reach the panel
      }
      return worker;
    },
  });
  deps.mask(Wrapped, NativeWorker);
  const d = N.getOwnPropertyDescriptor(g, 'Worker');
  if (d && N.hasOwn(d, 'value')) N.defineProperty(g, 'Worker', { ...d, value: Wrapped });
}

/**
 * Trusted Types (`require-trusted-types-for 'script'`): the native Worker wants a TrustedScriptURL, or runs the
 * page's default policy on a string. The re-made URL passes only through the page's own policies, so the
 * extension never creates a policy (a `trusted-types` list would refuse it, with a violation report, measured §2):
 * `createPolicy` is wrapped so that each page policy's `createScriptURL` lets the re-made URL through, and when the
 * native asks the default policy about it, the page's callback is asked about the page's own URL instead (once, when
 * the native would ask it); if it answers with that same URL the re-made one goes on, else its answer does.
 */
function trustedTypesGate(g: G, mask: (wrapper: object, native: object) => void) {
  const factory = g.trustedTypes;
  const Factory = g.TrustedTypePolicyFactory;
  const Policy = g.TrustedTypePolicy;
  const TSU = g.TrustedScriptURL;
  if (!factory || !Factory || !Policy || !TSU) return undefined;
  const proto = Factory.prototype;
  const isScriptURL = uncurry(proto.isScriptURL) as (f: unknown, v: unknown) => boolean;
  const tsuText = uncurry((TSU.prototype as { toString(): string }).toString) as (v: unknown) => string;
  const policyScriptURL = uncurry(Policy.prototype.createScriptURL) as (p: unknown, s: string) => unknown;
  const createPolicy = proto.createPolicy;
  const policies = nullArray<unknown>();
  let pending: Pending | undefined;

  const d = N.getOwnPropertyDescriptor(proto, 'createPolicy');
  if (d && N.hasOwn(d, 'value') && typeof createPolicy === 'function') {
    const wrapped = wrap(createPolicy, {
      apply: function createPolicyApply(target: typeof createPolicy, self: unknown, args: unknown[]): unknown {
        let call = args;
        const rules = args[1];
        if (args.length >= 2 && typeof rules === 'object' && rules !== null) {
          try {
            // the options dictionary as the native reads it: each member once, in this order
            const name = `${args[0] as string}`;
            const createHTML = (rules as Record<string, unknown>).createHTML;
            const createScript = (rules as Record<string, unknown>).createScript;
            const createScriptURL = (rules as Record<string, unknown>).createScriptURL;
            const own = { __proto__: null, createHTML, createScript, createScriptURL } as Record<string, unknown>;
            if (typeof createScriptURL === 'function')
              own.createScriptURL = function (this: unknown, input: unknown): unknown {
                const p = pending;
                // eslint-disable-next-line prefer-rest-params
                const given = arguments;
                if (p === undefined || input !== p.ours) return N.reflectApply(createScriptURL, this, given);
                if (p.trusted) return p.ours;
                const answer = N.reflectApply(createScriptURL, this, withFirst(given, p.theirs));
                return answer === p.theirs ? p.ours : answer;
              };
            call = withFirst(args, name);
            call[1] = own;
          } catch (err) {
            throw asNative(err, createPolicyApply as Trap);
          }
        }
        let policy: unknown;
        try {
          policy = N.reflectApply(target, self, call);
        } catch (err) {
          throw asNative(err, createPolicyApply as Trap);
        }
        policies[policies.length] = policy;
        return policy;
      },
    });
    mask(wrapped, createPolicy);
    N.defineProperty(proto, 'createPolicy', { ...d, value: wrapped });
  }

  return {
    isScriptURL: (v: unknown) => isScriptURL(factory, v),
    text: (v: unknown) => tsuText(v),
    /** what the native gets for a re-made worker: its URL as a TrustedScriptURL when the page gave one */
    forWorker(p: Pending): unknown {
      pending = p;
      if (!p.trusted) return p.ours;
      for (let i = 0; i < policies.length; i++) {
        try {
          const v = policyScriptURL(policies[i], p.ours);
          if (isScriptURL(factory, v)) return v;
        } catch {
          // that policy makes no script URLs
        }
      }
      return p.ours;
    },
    done() {
      pending = undefined;
    },
  };
}
