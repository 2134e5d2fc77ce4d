/**
 * Traffic rules as the user writes them (drafts: plain strings, persisted per origin) and their compilation into
 * the protocol's Rule, which the page-side hook runs without parsing anything. Every mistake is found here, with a
 * message that says where, so the page never receives a rule it cannot use.
 */
import { splitRegex } from './regex';
import { freshSeed } from '../../src/shared/prng';
import type { JsonPath, Rule, RuleAction, RuleDirection, RuleMatch, TemplatePart } from '../../src/shared/protocol';

export type MatchType = RuleMatch['type'];
export type ActionType = RuleAction['type'];

export interface RuleDraft {
  id: string;
  name: string;
  enabled: boolean;
  /** socket url: substring, or /regex/ */
  url: string;
  direction: RuleDirection;
  matchType: MatchType;
  /** text, /regex/flags, or a JSON path */
  match: string;
  /** json match: the value the path must have (JSON), empty for "exists" */
  matchValue: string;
  action: ActionType;
  /** rewrite: text or /regex/flags to find; rewrite-json: the path */
  find: string;
  /** rewrite: the replacement ($1 works with a regex); rewrite-json: the new value (JSON) */
  replace: string;
  /** delay, and the mock reply's delay */
  ms: number;
  /** mock: the reply template, {{$.path}} and {{frame}} are filled from the outgoing frame */
  reply: string;
  /** mock: send the original frame too */
  alsoSend: boolean;
  // chaos (drafts saved before chaos rules existed lack these: newDraft's values stand in)
  /** jitter: the shortest delay (`ms` is the longest) */
  minMs?: number;
  /** loss, duplicate: the share of matching frames, in % */
  percent?: number;
  /** jitter, loss, duplicate: the seed of the rule's random draws */
  seed?: number;
  /** disconnect: after `count` matching frames, or `seconds` after the socket opened */
  after?: 'frames' | 'seconds';
  count?: number;
  /** disconnect: seconds after open; server down: how long */
  seconds?: number;
  /** disconnect: what the page hears */
  code?: number;
  reason?: string;
  /** server down: until when (wall clock, ms since epoch), set when the rule is saved or restarted */
  downUntil?: number;
}

/** The chaos actions: they act on a share of frames or on whole sockets. */
export const CHAOS_ACTIONS: readonly ActionType[] = ['jitter', 'loss', 'duplicate', 'disconnect', 'server-down'];
export const isChaos = (a: ActionType) => CHAOS_ACTIONS.includes(a);
/** actions that act on sockets, not frames: the direction and frame fields mean nothing to them */
export const actsOnSockets = (d: Pick<RuleDraft, 'action' | 'after'>) => d.action === 'server-down' || (d.action === 'disconnect' && (d.after ?? 'frames') === 'seconds');

export const ACTION_LABELS: Record<ActionType, string> = {
  pause: 'Pause (hold for a decision)',
  drop: 'Drop',
  rewrite: 'Rewrite text',
  'rewrite-json': 'Set a JSON field',
  delay: 'Delay',
  mock: 'Mock reply',
  jitter: 'Chaos: jitter (random delay)',
  loss: 'Chaos: loss (drop a share)',
  duplicate: 'Chaos: duplicate a share',
  disconnect: 'Chaos: disconnect',
  'server-down': 'Chaos: server down (refuse new sockets)',
};

/** Close codes a page can hear from a server or the network (1004, 1015 and the rest of 1000-2999 it cannot). */
export function closeCodeError(code: number): string | undefined {
  if (!Number.isInteger(code) || !((code >= 1000 && code <= 1014 && code !== 1004) || (code >= 3000 && code <= 4999)))
    return 'The close code must be 1000-1003, 1005-1014 or 3000-4999 (1006: the network dropped, wasClean false).';
  return undefined;
}

let counter = 0;
export function newDraft(patch: Partial<RuleDraft> = {}): RuleDraft {
  return {
    id: `r${Date.now().toString(36)}${(counter++).toString(36)}`,
    name: '',
    enabled: true,
    url: '',
    direction: 'both',
    matchType: 'any',
    match: '',
    matchValue: '',
    action: 'pause',
    find: '',
    replace: '',
    ms: 500,
    reply: '',
    alsoSend: false,
    minMs: 0,
    percent: 10,
    seed: freshSeed(),
    after: 'frames',
    count: 10,
    seconds: 10,
    code: 1006,
    reason: '',
    downUntil: 0,
    ...patch,
  };
}

/** A draft's chaos fields, with newDraft's values for those a draft saved before chaos rules lacks. */
export function chaosFields(d: RuleDraft) {
  return {
    minMs: d.minMs ?? 0,
    percent: d.percent ?? 10,
    seed: d.seed ?? 1,
    after: d.after ?? 'frames',
    count: d.count ?? 10,
    seconds: d.seconds ?? 10,
    code: d.code ?? 1006,
    reason: d.reason ?? '',
    downUntil: d.downUntil ?? 0,
  };
}

/** A server-down draft's window starts now (on save, on restart). */
export function startDown(d: RuleDraft, now = Date.now()): RuleDraft {
  return d.action === 'server-down' ? { ...d, downUntil: now + chaosFields(d).seconds * 1000 } : d;
}

function checkRegex(source: string, flags: string): string | undefined {
  try {
    new RegExp(source, flags);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * A JSON path: `$.items[0].id`, `items[0].id`, `$['odd key']`, `$.a.b`. Returns the keys, or an error that says
 * where the path stopped making sense.
 */
export function parseJsonPath(text: string): { path?: JsonPath; error?: string } {
  let s = text.trim();
  if (!s) return { error: 'The JSON path is empty (write e.g. $.type or $.items[0].id).' };
  const path: JsonPath = [];
  if (s[0] === '$') s = s.slice(1);
  else if (/^[A-Za-z_]/.test(s)) s = '.' + s;
  let i = 0;
  while (i < s.length) {
    if (s[i] === '.') {
      const m = /^[^.[\]]+/.exec(s.slice(i + 1));
      if (!m) return { error: `JSON path: a name is missing after "." at character ${i + 2}.` };
      path.push(m[0]);
      i += 1 + m[0].length;
    } else if (s[i] === '[') {
      const m = /^\[\s*(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(s.slice(i));
      if (!m) return { error: `JSON path: expected [number] or ['name'] at character ${i + 1}.` };
      path.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3]).replace(/\\(.)/g, '$1'));
      i += m[0].length;
    } else return { error: `JSON path: unexpected "${s[i]}" at character ${i + 1}.` };
  }
  if (!path.length) return { error: 'The JSON path names no field (write e.g. $.type).' };
  return { path };
}

/** JSON text of a value the user typed; bare words count as strings, so `subscribe` means "subscribe". */
export function jsonValue(text: string): { json?: string; error?: string } {
  const t = text.trim();
  try {
    return { json: JSON.stringify(JSON.parse(t)) };
  } catch {
    if (/^[^"{}[\],:]+$/.test(t)) return { json: JSON.stringify(t) };
    return { error: `Not a JSON value: ${t.length > 40 ? t.slice(0, 40) + '…' : t}` };
  }
}

/** `{"id": {{$.id}}, "ok": true}` → parts; `{{frame}}` is the whole outgoing frame */
export function parseTemplate(text: string): { parts?: TemplatePart[]; error?: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  const re = /\{\{\s*([^}]*?)\s*\}\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) parts.push({ lit: text.slice(last, m.index) });
    if (m[1] === 'frame') parts.push({ whole: true });
    else {
      const p = parseJsonPath(m[1]);
      if (p.error) return { error: `In the reply's {{${m[1]}}}: ${p.error}` };
      parts.push({ path: p.path! });
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ lit: text.slice(last) });
  return { parts };
}

/** The rule the page can run, or what is wrong with the draft. */
export function compileRule(d: RuleDraft): { rule?: Rule; error?: string } {
  // a rule of sockets (server down, a timed disconnect) looks at no frame: its frame fields, hidden, mean nothing
  if (actsOnSockets(d)) d = { ...d, direction: 'both', matchType: 'any' };
  const urlRe = splitRegex(d.url);
  if (urlRe) {
    const e = checkRegex(urlRe.source, '');
    if (e) return { error: `Socket URL regex: ${e}` };
  }
  let match: RuleMatch;
  switch (d.matchType) {
    case 'any':
      match = { type: 'any' };
      break;
    case 'text':
      if (!d.match) return { error: 'Write the text the frame must contain.' };
      match = { type: 'text', text: d.match };
      break;
    case 'regex': {
      const r = splitRegex(d.match) ?? { source: d.match, flags: '' };
      if (!r.source) return { error: 'Write the regex the frame must match.' };
      const e = checkRegex(r.source, r.flags);
      if (e) return { error: `Match regex: ${e}` };
      match = { type: 'regex', source: r.source, flags: r.flags };
      break;
    }
    case 'json': {
      const p = parseJsonPath(d.match);
      if (p.error) return { error: p.error };
      let value: string | undefined;
      if (d.matchValue.trim()) {
        const v = jsonValue(d.matchValue);
        if (v.error) return { error: v.error };
        value = v.json;
      }
      match = { type: 'json', path: p.path!, value };
      break;
    }
  }
  let action: RuleAction;
  switch (d.action) {
    case 'pause':
    case 'drop':
      action = { type: d.action };
      break;
    case 'rewrite': {
      if (!d.find) return { error: 'Write the text (or /regex/) to replace.' };
      const r = splitRegex(d.find);
      if (r) {
        const e = checkRegex(r.source, r.flags);
        if (e) return { error: `Rewrite regex: ${e}` };
      }
      action = r ? { type: 'rewrite', find: r.source, regex: true, flags: r.flags, replace: d.replace } : { type: 'rewrite', find: d.find, regex: false, flags: '', replace: d.replace };
      break;
    }
    case 'rewrite-json': {
      const p = parseJsonPath(d.find);
      if (p.error) return { error: p.error };
      const v = jsonValue(d.replace);
      if (v.error) return { error: v.error };
      action = { type: 'rewrite-json', path: p.path!, value: v.json! };
      break;
    }
    case 'delay':
      if (!(d.ms >= 0 && d.ms <= 600_000)) return { error: 'The delay must be between 0 and 600,000 ms.' };
      action = { type: 'delay', ms: Math.round(d.ms) };
      break;
    case 'mock': {
      if (d.direction !== 'sent') return { error: 'A mock reply answers frames the page sends: set the direction to "sent".' };
      const t = parseTemplate(d.reply);
      if (t.error) return { error: t.error };
      action = { type: 'mock', reply: t.parts!, send: d.alsoSend, ms: d.ms >= 0 ? Math.round(d.ms) : 0 };
      break;
    }
    case 'jitter':
    case 'loss':
    case 'duplicate':
    case 'disconnect':
    case 'server-down': {
      const c = chaosFields(d);
      const chaos = compileChaos(d.action, c, d.ms);
      if (typeof chaos === 'string') return { error: chaos };
      action = chaos;
      break;
    }
  }
  return {
    rule: {
      id: d.id,
      name: d.name.trim() || describeDraft(d),
      enabled: d.enabled,
      url: urlRe ? urlRe.source : d.url,
      urlRegex: !!urlRe,
      direction: d.direction,
      match,
      action,
    },
  };
}

function compileChaos(type: 'jitter' | 'loss' | 'duplicate' | 'disconnect' | 'server-down', c: ReturnType<typeof chaosFields>, ms: number): RuleAction | string {
  const seedError = !Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffffffff ? 'The seed must be a whole number from 0 to 4294967295.' : undefined;
  switch (type) {
    case 'jitter':
      if (!(c.minMs >= 0 && ms <= 600_000 && c.minMs <= ms)) return 'Jitter: the delay runs from a least to a most, 0 to 600,000 ms, least first.';
      if (seedError) return seedError;
      return { type, min: Math.round(c.minMs), max: Math.round(ms), seed: c.seed };
    case 'loss':
    case 'duplicate':
      if (!(c.percent >= 0 && c.percent <= 100)) return 'The share of frames must be between 0 and 100 %.';
      if (seedError) return seedError;
      return { type, percent: c.percent, seed: c.seed };
    case 'disconnect': {
      const codeError = closeCodeError(c.code);
      if (codeError) return codeError;
      if (new TextEncoder().encode(c.reason).length > 123) return 'The close reason must be at most 123 bytes of UTF-8.';
      if (c.after === 'frames') {
        if (!(Number.isInteger(c.count) && c.count >= 1)) return 'Disconnect after how many frames? A whole number, 1 or more.';
        return { type, after: 'frames', n: c.count, code: c.code, reason: c.code === 1006 || c.code === 1005 ? '' : c.reason };
      }
      if (!(c.seconds > 0 && c.seconds <= 86_400)) return 'Disconnect after how many seconds? More than 0, at most a day.';
      return { type, after: 'ms', n: Math.round(c.seconds * 1000), code: c.code, reason: c.code === 1006 || c.code === 1005 ? '' : c.reason };
    }
    case 'server-down':
      if (!(c.seconds > 0 && c.seconds <= 86_400)) return 'Server down for how many seconds? More than 0, at most a day.';
      return { type, until: c.downUntil };
  }
}

/** One line that says what a rule does, for the list and the log. */
export function describeDraft(d: RuleDraft): string {
  const dir = d.direction === 'both' ? 'any frame' : d.direction === 'sent' ? 'sent' : 'received';
  const what =
    d.matchType === 'any'
      ? dir
      : d.matchType === 'json'
        ? `${dir} with ${d.match}${d.matchValue ? ` = ${d.matchValue}` : ''}`
        : `${dir} ${d.matchType === 'regex' ? 'matching' : 'containing'} ${d.match}`;
  const act =
    d.action === 'delay'
      ? `delay ${d.ms} ms`
      : d.action === 'rewrite'
        ? `replace ${d.find} with ${d.replace}`
        : d.action === 'rewrite-json'
          ? `set ${d.find} = ${d.replace}`
          : d.action === 'mock'
            ? `reply ${d.reply.length > 30 ? d.reply.slice(0, 30) + '…' : d.reply}${d.alsoSend ? ' (and send)' : ''}`
            : isChaos(d.action)
              ? describeChaos(d)
              : d.action;
  if (actsOnSockets(d)) return `${act}${d.url ? ` on ${d.url}` : ' on every socket'}`;
  return `${act}: ${what}${d.url ? ` on ${d.url}` : ''}`;
}

function describeChaos(d: RuleDraft): string {
  const c = chaosFields(d);
  switch (d.action) {
    case 'jitter':
      return `jitter ${c.minMs}-${d.ms} ms (seed ${c.seed})`;
    case 'loss':
      return `lose ${c.percent} % (seed ${c.seed})`;
    case 'duplicate':
      return `duplicate ${c.percent} % (seed ${c.seed})`;
    case 'disconnect':
      return `disconnect ${c.code}${c.reason && c.code !== 1006 ? ` "${c.reason}"` : ''} after ${c.after === 'frames' ? `${c.count} frames` : `${c.seconds} s`}`;
    default:
      return `server down for ${c.seconds} s`;
  }
}

/** What the pages get: the valid rules, in order (disabled ones too, so their ids stay stable). */
export function compileAll(drafts: readonly RuleDraft[], on: boolean): Rule[] {
  if (!on) return [];
  const out: Rule[] = [];
  for (const d of drafts) {
    const c = compileRule(d);
    if (c.rule) out.push(c.rule);
  }
  return out;
}
