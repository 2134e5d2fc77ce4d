/**
 * A capture as a Playwright test (`*.spec.ts`): `page.routeWebSocket()` stands in for the server, answering the page's
 * frames with the server's in the recorded order (see captureScript.ts for the rule), and the test asserts that the
 * page sent what it sent in the capture. Pure: the panel saves the text, the unit tests parse and run it.
 *
 * The file is a real @playwright/test spec; it uses only `test(name, async ({ page }) => …)` and
 * `expect(value, message).toEqual(…)`, so a small harness can run it with playwright-core (our e2e suite does).
 */
import { blockComment, describeScript, socketsLiteral, str, type CaptureScript } from './captureScript';

export function exportPlaywright(script: CaptureScript, { appVersion = 'dev', now = new Date() }: { appVersion?: string; now?: Date } = {}): string {
  const o = script.options;
  const header = blockComment([
    'A Playwright test exported from WS Lens: the page against a replay of its WebSocket server.',
    '',
    ...describeScript(script, appVersion, now),
    '',
    'The test opens the page with page.routeWebSocket() in place of the server, then waits until the page has sent',
    'every recorded frame (it fails on a frame the capture does not have, or after TIMEOUT_MS). Add what the user did',
    'on the page (clicks, typing) after page.goto(), in the order of the capture.',
    '',
    'Run it (Playwright 1.48 or later: page.routeWebSocket):',
    '  npm i -D @playwright/test && npx playwright install chromium',
    '  npx playwright test <this file>',
  ]);
  return `${header}
import { test, expect, type Page } from '@playwright/test';

/** Where the capture was made; the page's sockets are routed by URL (scheme, host and path; the query is ignored). */
const PAGE_URL = ${str(script.pageUrl ?? 'about:blank')};
/** 'recorded': each answer after its recorded delay; 'fast': every answer at once, in the same order */
const TIMING = ${str(o.timing)} as 'recorded' | 'fast';
/** 'fail': a page frame the capture does not have fails the test; 'pass': it goes on to the real server */
const UNMATCHED = ${str(o.unmatched)} as 'fail' | 'pass';
/** JSON matching leaves these out: keys (anywhere) or paths from $ */
const IGNORE: string[] = [${o.ignore.map(str).join(', ')}];
/** how long the page has to send every recorded frame */
const TIMEOUT_MS = ${Math.max(10_000, script.spanMs + 10_000)};

const SOCKETS: RecordedSocket[] = ${socketsLiteral(script.sockets)};

test(${str(`the page talks to its WebSocket server as captured${script.pageUrl ? ` (${hostOf(script.pageUrl)})` : ''}`)}, async ({ page }) => {
  const replay = await replayWebSockets(page);
  await page.goto(PAGE_URL);
  // what the user did on the page goes here
  await replay.sentAll();
});

// ------------------------------------------------------------------------------------------ the replay itself

type Wire = { text: string; binary?: undefined } | { binary: string; text?: undefined };
type Reply = Wire & { after: number; echo?: Record<string, string> };
type Expect = Wire & { match?: 'text' | 'json' | RegExp; replies: Reply[] };
type RecordedSocket = { url: string; protocols: string[]; onConnect: Reply[]; expects: Expect[] };

/** Route every recorded socket's URL to a replay of it; \`sentAll()\` waits for the page's frames and asserts them. */
async function replayWebSockets(page: Page) {
  const errors: string[] = [];
  const passedThrough: string[] = [];
  const connections: { url: string; left: Expect[]; unsent: number }[] = [];
  const plays = new Map<string, number>();
  await page.routeWebSocket(
    (url) => SOCKETS.some((s) => sameEndpoint(s.url, url.href)),
    (ws) => {
      const key = endpoint(ws.url());
      const n = plays.get(key) ?? 0;
      plays.set(key, n + 1);
      const recorded = SOCKETS.filter((s) => sameEndpoint(s.url, ws.url()))[n];
      const server = UNMATCHED === 'pass' ? ws.connectToServer() : undefined;
      if (!recorded) {
        if (!server) errors.push(\`connection \${n + 1} to \${ws.url()}: the capture has only \${n}\`);
        return;
      }
      const conn = { url: ws.url(), left: [...recorded.expects], unsent: 0 };
      connections.push(conn);
      // one queue per connection: an answer never overtakes an earlier one
      let queue = Promise.resolve();
      const answer = (replies: Reply[], from: number, echoed?: unknown) => {
        conn.unsent += replies.length;
        for (const r of replies)
          queue = queue.then(async () => {
            const wait = TIMING === 'recorded' ? from + r.after - Date.now() : 0;
            if (wait > 0) await new Promise((done) => setTimeout(done, wait));
            conn.unsent--;
            ws.send(payloadOf(r, echoed));
          });
      };
      answer(recorded.onConnect, Date.now());
      ws.onMessage((message) => {
        const at = Date.now();
        const i = conn.left.findIndex((e) => matches(e, message));
        if (i < 0) {
          if (server) {
            passedThrough.push(show(message));
            server.send(message);
          } else errors.push(\`\${conn.url} got a frame the capture does not have: \${show(message)}\`);
          return;
        }
        const [e] = conn.left.splice(i, 1);
        answer(e.replies, at, typeof message === 'string' ? parse(message) : undefined);
      });
    },
  );
  return {
    passedThrough,
    /**
     * Wait until the page has sent every recorded frame and has been sent every answer to them; fail on a frame the
     * capture does not have.
     */
    async sentAll() {
      const end = Date.now() + TIMEOUT_MS;
      const waiting = () => SOCKETS.length - connections.length + connections.reduce((n, c) => n + c.left.length + c.unsent, 0);
      while (waiting() > 0 && !errors.length && Date.now() < end) await new Promise((done) => setTimeout(done, 50));
      expect(errors, 'frames the capture does not have').toEqual([]);
      const missing = connections.flatMap((c) => c.left.map((e) => \`\${c.url}: \${show(e.text ?? Buffer.from(e.binary!, 'base64'))}\`));
      for (const s of SOCKETS.slice(connections.length)) missing.push(\`\${s.url}: never opened\`);
      expect(missing, 'recorded frames the page did not send').toEqual([]);
    },
  };
}

function endpoint(url: string): string {
  const u = new URL(url);
  return u.protocol + '//' + u.host + u.pathname;
}

function sameEndpoint(a: string, b: string): boolean {
  return endpoint(a) === endpoint(b);
}

function matches(e: Expect, message: string | Buffer): boolean {
  if (e.binary !== undefined) return typeof message !== 'string' && message.toString('base64') === e.binary;
  if (typeof message !== 'string') return false;
  if (e.match instanceof RegExp) return new RegExp(e.match.source, e.match.flags).test(message);
  if (e.match === 'json') {
    const want = parse(e.text);
    const got = parse(message);
    if (want !== undefined && got !== undefined) return JSON.stringify(strip(want, '$')) === JSON.stringify(strip(got, '$'));
  }
  return message === e.text;
}

/** A JSON value without its IGNORE fields, keys sorted: two frames match when these are equal. */
function strip(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => strip(v, \`\${path}[\${i}]\`));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const at = \`\${path}.\${key}\`;
    if (!IGNORE.includes(key) && !IGNORE.includes(at)) out[key] = strip((value as Record<string, unknown>)[key], at);
  }
  return out;
}

function payloadOf(r: Reply, echoed: unknown): string | Buffer {
  if (r.binary !== undefined) return Buffer.from(r.binary, 'base64');
  if (!r.echo || echoed === undefined) return r.text;
  const out = parse(r.text);
  for (const [to, from] of Object.entries(r.echo)) {
    const value = get(echoed, from);
    if (value !== undefined) set(out, to, value);
  }
  return JSON.stringify(out);
}

function keysOf(path: string): (string | number)[] {
  return (path.slice(1).match(/\\.[^.[\\]]+|\\[\\d+\\]/g) ?? []).map((k) => (k[0] === '[' ? Number(k.slice(1, -1)) : k.slice(1)));
}

function get(value: unknown, path: string): unknown {
  let v = value;
  for (const k of keysOf(path)) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function set(value: unknown, path: string, to: unknown): void {
  const keys = keysOf(path);
  const last = keys.pop()!;
  const parent = get(value, keys.reduce<string>((p, k) => p + (typeof k === 'number' ? \`[\${k}]\` : \`.\${k}\`), '$'));
  if (parent !== null && typeof parent === 'object') (parent as Record<string | number, unknown>)[last] = to;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function show(message: string | Buffer): string {
  const s = typeof message === 'string' ? JSON.stringify(message) : \`<\${message.length} bytes> \${message.toString('base64')}\`;
  return s.length > 200 ? s.slice(0, 200) + '…' : s;
}
`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}
