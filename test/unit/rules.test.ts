import { describe, expect, it } from 'vitest';
import { compileRules, findRule, renderTemplate, rewrite } from '../../src/page/rules';
import { compileAll, compileRule, newDraft, parseJsonPath, parseTemplate } from '../../panel/lib/rules';
import type { Rule } from '../../src/shared/protocol';

/** a rule as the panel compiles it from a draft (the same path the UI takes) */
function rule(patch: Parameters<typeof newDraft>[0]): Rule {
  const c = compileRule(newDraft(patch));
  if (!c.rule) throw new Error(c.error);
  return c.rule;
}
const first = (rules: Rule[], url: string, sent: boolean, raw: string | ArrayBuffer) => findRule(compileRules(rules), url, sent, raw)?.rule.id;

describe('rule drafts (panel side)', () => {
  it('parses JSON paths, with clear errors', () => {
    expect(parseJsonPath('$.items[0].id').path).toEqual(['items', 0, 'id']);
    expect(parseJsonPath("$['odd key'][\"x\"]").path).toEqual(['odd key', 'x']);
    expect(parseJsonPath('type').path).toEqual(['type']);
    expect(parseJsonPath('$.a..b').error).toMatch(/name is missing after "\." at character 4/);
    expect(parseJsonPath('$.a[x]').error).toMatch(/expected \[number\]/);
    expect(parseJsonPath('').error).toMatch(/empty/);
  });

  it('parses reply templates', () => {
    expect(parseTemplate('{"id":{{$.id}},"echo":{{ frame }}}').parts).toEqual([{ lit: '{"id":' }, { path: ['id'] }, { lit: ',"echo":' }, { whole: true }, { lit: '}' }]);
    expect(parseTemplate('{{$.}}').error).toMatch(/In the reply/);
  });

  it('reports what is wrong with a draft, and never compiles it', () => {
    expect(compileRule(newDraft({ matchType: 'regex', match: '/(/' })).error).toMatch(/^Match regex:/);
    expect(compileRule(newDraft({ matchType: 'json', match: '$.a', matchValue: '{oops' })).error).toMatch(/Not a JSON value/);
    expect(compileRule(newDraft({ action: 'mock', direction: 'received' })).error).toMatch(/direction to "sent"/);
    expect(compileRule(newDraft({ action: 'delay', ms: -5 })).error).toMatch(/between 0 and/);
    expect(compileRule(newDraft({ url: '/[/' })).error).toMatch(/Socket URL regex/);
    // a bare word is a string value
    expect(compileRule(newDraft({ matchType: 'json', match: '$.type', matchValue: 'ping' })).rule!.match).toEqual({ type: 'json', path: ['type'], value: '"ping"' });
  });

  it('sends nothing when switched off, and skips invalid drafts', () => {
    const good = newDraft({ action: 'drop' });
    const bad = newDraft({ matchType: 'regex', match: '/(/' });
    expect(compileAll([good, bad], true).map((r) => r.id)).toEqual([good.id]);
    expect(compileAll([good], false)).toEqual([]);
  });
});

describe('rules in the page', () => {
  it('first enabled match wins, by direction, url and content', () => {
    const a = rule({ id: 'a', direction: 'sent', matchType: 'text', match: 'ping', action: 'drop' });
    const b = rule({ id: 'b', direction: 'both', url: '/chat$/', matchType: 'regex', match: '/^\\{/', action: 'pause' });
    const c = rule({ id: 'c', direction: 'received', matchType: 'json', match: '$.user.role', matchValue: '"admin"', action: 'pause' });
    const off = rule({ id: 'off', enabled: false, action: 'drop' });
    const rules = [off, a, b, c];
    expect(first(rules, 'ws://x/chat', true, 'ping {')).toBe('a');
    expect(first(rules, 'ws://x/chat', false, 'ping {')).toBe(undefined);
    expect(first(rules, 'ws://x/chat', false, '{"n":1}')).toBe('b');
    expect(first(rules, 'ws://x/feed', false, '{"user":{"role":"admin"}}')).toBe('c');
    expect(first(rules, 'ws://x/feed', false, '{"user":{"role":"guest"}}')).toBe(undefined);
    // content matchers never match binary frames; "every frame" does
    expect(first([a], 'ws://x', true, new ArrayBuffer(4))).toBe(undefined);
    expect(first([rule({ id: 'any', action: 'drop' })], 'ws://x', true, new ArrayBuffer(4))).toBe('any');
  });

  it('a regex rule matches the same frame every time (no lastIndex state)', () => {
    const r = compileRules([rule({ id: 'g', matchType: 'regex', match: '/x/g', action: 'drop' })]);
    expect([1, 2, 3].map(() => findRule(r, '', true, 'x')?.rule.id)).toEqual(['g', 'g', 'g']);
  });

  it('rewrites text, by regex with groups, and JSON fields', () => {
    const plain = compileRules([rule({ action: 'rewrite', find: 'cat', replace: 'dog' })])[0];
    expect(rewrite(plain, 'cat, cat')).toBe('dog, dog');
    const re = compileRules([rule({ action: 'rewrite', find: '/id=(\\d+)/g', replace: 'id=<$1>$$' })])[0];
    expect(rewrite(re, 'id=1 id=22')).toBe('id=<1>$ id=<22>$');
    const once = compileRules([rule({ action: 'rewrite', find: '/a/', replace: 'b' })])[0];
    expect(rewrite(once, 'aaa')).toBe('baa');
    const json = compileRules([rule({ action: 'rewrite-json', find: '$.user.role', replace: '"admin"' })])[0];
    expect(rewrite(json, '{"user":{"role":"guest","n":1}}')).toBe('{"user":{"role":"admin","n":1}}');
    expect(rewrite(json, 'not json')).toBe('not json');
    expect(rewrite(json, new Uint8Array([1]).buffer)).toBeInstanceOf(ArrayBuffer);
  });

  it('fills a mock reply from the outgoing frame', () => {
    const t = parseTemplate('{"id":{{$.id}},"q":{{$.q}},"none":{{$.nope}},"raw":"{{frame}}"}').parts!;
    expect(renderTemplate(t, '{"id":7,"q":"x"}')).toBe('{"id":7,"q":"x","none":null,"raw":"{"id":7,"q":"x"}"}');
  });

  it('ignores a page that replaced RegExp.prototype.exec and JSON.parse after install', () => {
    const realExec = RegExp.prototype.exec;
    const realParse = JSON.parse;
    const rules = compileRules([
      rule({ id: 're', matchType: 'regex', match: '/^hi/', action: 'drop' }),
      rule({ id: 'js', matchType: 'json', match: '$.t', matchValue: '1', action: 'drop' }),
    ]);
    try {
      RegExp.prototype.exec = () => null;
      JSON.parse = () => ({});
      expect(findRule(rules, '', true, 'hi there')?.rule.id).toBe('re');
      expect(findRule(rules, '', true, '{"t":1}')?.rule.id).toBe('js');
    } finally {
      RegExp.prototype.exec = realExec;
      JSON.parse = realParse;
    }
  });
});
