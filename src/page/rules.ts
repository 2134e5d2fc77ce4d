/**
 * Traffic rules, page side: which rule a frame matches and what the rule makes of it. The panel compiled each rule
 * into plain data; this file only walks it, with captured natives (a page that replaces `RegExp.prototype.exec`,
 * `JSON.parse` or `String.prototype.replace` changes nothing here). A regex the page could not build is reported to
 * the panel, never thrown into the page.
 */
import { natives as N, nullArray } from './natives';
import { jsonText, type RawData } from './encode';
import type { JsonPath, Rule, RuleAction, RuleMatch, TemplatePart } from '../shared/protocol';

const regexpExec = N.regexpExec;

export interface CompiledRule {
  rule: Rule;
  /** its place in the compiled list: a chaos rule that lets a frame through hands it to the rules after it */
  index: number;
  /** false for rules that act on sockets, not frames (server down, a timed disconnect) */
  frames: boolean;
  url: RegExp | string;
  sent: boolean;
  received: boolean;
  test: (frame: FrameView) => boolean;
  /** rewrite only */
  find?: RegExp;
}

/** `flags` minus the ones in `drop` (by hand: String.prototype.replace would consult the page's RegExp.prototype) */
function withoutFlags(flags: string, drop: string): string {
  let out = '';
  for (let i = 0; i < flags.length; i++) if (N.stringIndexOf(drop, flags[i]) < 0) out += flags[i];
  return out;
}

function regex(source: string, flags: string): RegExp {
  return new N.RegExp(source, flags);
}

/** the value at `path`, or `missing` */
const missing = {};
export function walk(root: unknown, path: JsonPath): unknown {
  let v = root;
  for (let i = 0; i < path.length; i++) {
    if (typeof v !== 'object' || v === null || !N.hasOwn(v, path[i])) return missing;
    v = (v as Record<string | number, unknown>)[path[i]];
  }
  return v;
}

/**
 * One frame as the matchers see it. Its JSON is parsed at most once per frame, and only when a JSON rule asks and
 * the text can be a JSON object or array: a failed parse throws, and an exception per frame per rule would be the
 * most expensive thing traffic control did to a busy socket.
 */
export class FrameView {
  private json: unknown = unparsed;
  constructor(readonly text: string | undefined) {}
  parsed(): unknown {
    if (this.json === unparsed) this.json = this.text === undefined ? missing : parseJson(this.text);
    return this.json;
  }
}
const unparsed = {};

function parseJson(text: string): unknown {
  // only objects and arrays have paths to walk
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  // (an index past the end would be looked up on the page's String.prototype)
  if (i >= text.length || (text[i] !== '{' && text[i] !== '[')) return missing;
  try {
    return N.parse(text);
  } catch {
    return missing;
  }
}

function compileMatch(m: RuleMatch): CompiledRule['test'] {
  switch (m.type) {
    case 'any':
      return () => true;
    case 'text':
      return (f) => f.text !== undefined && N.stringIndexOf(f.text, m.text) >= 0;
    case 'regex': {
      // no 'g' or 'y': a stateful lastIndex would make the same frame match every other time
      const re = regex(m.source, withoutFlags(m.flags, 'gy'));
      return (f) => f.text !== undefined && regexpExec(re, f.text) !== null;
    }
    case 'json':
      return (f) => {
        const v = walk(f.parsed(), m.path);
        return v !== missing && (m.value === undefined || jsonText(v) === m.value);
      };
  }
}

/** Compile the enabled rules; throws (to the caller, which reports it) when a regex is invalid. */
export function compileRules(rules: Rule[]): CompiledRule[] {
  const out = nullArray<CompiledRule>();
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (!rule.enabled) continue;
    const a = rule.action;
    const c = {
      __proto__: null,
      find: undefined,
      rule,
      index: out.length,
      frames: a.type !== 'server-down' && !(a.type === 'disconnect' && a.after === 'ms'),
      url: rule.urlRegex ? regex(rule.url, '') : rule.url,
      sent: rule.direction !== 'received',
      received: rule.direction !== 'sent',
      test: compileMatch(rule.match),
    } as CompiledRule;
    if (rule.action.type === 'rewrite' && rule.action.regex) c.find = regex(rule.action.find, withoutFlags(rule.action.flags, 'y'));
    out[out.length] = c;
  }
  return out;
}

export function urlMatches(c: CompiledRule, url: string): boolean {
  return typeof c.url === 'string' ? c.url === '' || N.stringIndexOf(url, c.url) >= 0 : regexpExec(c.url, url) !== null;
}

/** The first enabled rule from `from` on that matches this frame, in list order (rules of sockets never do). */
export function findRule(rules: CompiledRule[], url: string, sent: boolean, raw: RawData, from = 0, view?: FrameView): CompiledRule | undefined {
  const frame = view ?? new FrameView(typeof raw === 'string' ? raw : undefined);
  for (let i = from; i < rules.length; i++) {
    const c = rules[i];
    if (c.frames && (sent ? c.sent : c.received) && urlMatches(c, url) && c.test(frame)) return c;
  }
  return undefined;
}

/** `$&`, `$1`…`$99` and `$$` in a replacement, as String.prototype.replace does */
function expand(replacement: string, match: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const ch = replacement[i];
    if (ch !== '$' || i + 1 >= replacement.length) {
      out += ch;
      continue;
    }
    const next = replacement[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '&') {
      out += match[0];
      i++;
    } else if (next >= '0' && next <= '9') {
      let n = N.charCodeAt(next, 0) - 48;
      let used = 1;
      const after = i + 2 < replacement.length ? replacement[i + 2] : undefined;
      if (after !== undefined && after >= '0' && after <= '9' && n * 10 + (N.charCodeAt(after, 0) - 48) < match.length) {
        n = n * 10 + (N.charCodeAt(after, 0) - 48);
        used = 2;
      }
      if (n > 0 && n < match.length) {
        out += match[n] ?? '';
        i += used;
      } else out += ch;
    } else out += ch;
  }
  return out;
}

function replaceText(text: string, action: Extract<RuleAction, { type: 'rewrite' }>, find?: RegExp): string {
  if (!find) {
    if (action.find === '') return text;
    let out = '';
    let from = 0;
    for (;;) {
      const at = N.stringIndexOf(text, action.find, from);
      if (at < 0) return out + N.stringSlice(text, from);
      out += N.stringSlice(text, from, at) + action.replace;
      from = at + action.find.length;
    }
  }
  const global = N.stringIndexOf(action.flags, 'g') >= 0;
  let out = '';
  let from = 0;
  find.lastIndex = 0;
  for (;;) {
    const m = regexpExec(find, text);
    if (m === null) break;
    const at = m.index;
    out += N.stringSlice(text, from, at) + expand(action.replace, m);
    from = at + m[0].length;
    if (!global) break;
    // an empty match must still move on
    if (m[0].length === 0) find.lastIndex = at + 1;
    else find.lastIndex = from;
    if (find.lastIndex > text.length) break;
  }
  find.lastIndex = 0;
  return out + N.stringSlice(text, from);
}

/** Set `path` in a JSON text to `value` (JSON text). The frame is re-serialised (compact). */
function setJson(text: string, path: JsonPath, value: string): string {
  const root = parseJson(text);
  if (root === missing || path.length === 0) return path.length === 0 ? value : text;
  const parent = walk(root, N.arraySlice(path, 0, path.length - 1) as JsonPath);
  if (typeof parent !== 'object' || parent === null) return text;
  // defined, not assigned: an assignment would run a setter the page planted on Object.prototype
  N.defineProperty(parent, path[path.length - 1], { __proto__: null, value: N.parse(value), writable: true, enumerable: true, configurable: true } as PropertyDescriptor);
  return jsonText(root);
}

/** What a rewrite rule makes of a frame; binary frames go on unchanged. */
export function rewrite(c: CompiledRule, raw: RawData): RawData {
  if (typeof raw !== 'string') return raw;
  const a = c.rule.action;
  if (a.type === 'rewrite') return replaceText(raw, a, c.find);
  if (a.type === 'rewrite-json') return setJson(raw, a.path, a.value);
  return raw;
}

/** A mock reply from its template and the outgoing frame. */
export function renderTemplate(parts: TemplatePart[], outgoing: RawData): string {
  const text = typeof outgoing === 'string' ? outgoing : '';
  let parsed: unknown = missing;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if ('lit' in p) out += p.lit;
    else if ('whole' in p) out += text;
    else {
      if (parsed === missing) parsed = parseJson(text);
      const v = walk(parsed, p.path);
      out += v === missing ? 'null' : jsonText(v);
    }
  }
  return out;
}
