import { describe, expect, it } from 'vitest';
import { checkJson, jsonErrorPosition, minifyJson, parseComposer, prettyJson, validateClose } from '../../panel/lib/composer';

describe('composer', () => {
  it('reports where JSON is broken, with line and column', () => {
    const r = checkJson('{\n  "a": 1,\n  "b": }');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.position).toBeDefined();
      expect(r.error).toMatch(/line 3, column \d+/);
    }
  });

  it('understands both engines’ error messages', () => {
    expect(jsonErrorPosition('{"a":}', 'Unexpected token } in JSON at position 5')).toBe(5);
    expect(jsonErrorPosition('{\n"a":}', 'JSON.parse: unexpected character at line 2 column 5 of the JSON data')).toBe(6);
  });

  it('JSON mode refuses invalid JSON and empty input; text mode sends anything', () => {
    expect(parseComposer('json', '{"a":').ok).toBe(false);
    expect(parseComposer('json', '  ').ok).toBe(false);
    expect(parseComposer('json', '{"a":1}')).toEqual({ ok: true, payload: { type: 'text', data: '{"a":1}' }, bytes: 7 });
    expect(parseComposer('text', '{"a":')).toMatchObject({ ok: true });
  });

  it('hex and base64 become binary frames', () => {
    expect(parseComposer('hex', '48 65 0x6c 6c 6f')).toEqual({ ok: true, payload: { type: 'binary', data: 'SGVsbG8=' }, bytes: 5 });
    expect(parseComposer('hex', '4')).toMatchObject({ ok: false, error: expect.stringMatching(/even number/) });
    expect(parseComposer('hex', 'zz')).toMatchObject({ ok: false, error: expect.stringMatching(/Not hex/) });
    expect(parseComposer('base64', 'SGVsbG8=')).toEqual({ ok: true, payload: { type: 'binary', data: 'SGVsbG8=' }, bytes: 5 });
    expect(parseComposer('base64', 'SGVsbG8')).toEqual({ ok: true, payload: { type: 'binary', data: 'SGVsbG8=' }, bytes: 5 });
    expect(parseComposer('base64', '***')).toMatchObject({ ok: false });
  });

  it('pretty and minify', () => {
    expect(prettyJson('{"a":[1]}')).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(minifyJson('{ "a" : 1 }')).toBe('{"a":1}');
    expect(prettyJson('{')).toBeUndefined();
  });

  it('validates close like the browser does', () => {
    expect(validateClose('1000', '')).toEqual({ ok: true, code: 1000 });
    expect(validateClose('4001', 'bye')).toEqual({ ok: true, code: 4001 });
    expect(validateClose('', '')).toEqual({ ok: true });
    expect(validateClose('1001', '')).toMatchObject({ ok: false, error: expect.stringMatching(/1000 or 3000-4999/) });
    expect(validateClose('abc', '')).toMatchObject({ ok: false });
    expect(validateClose('1000', 'é'.repeat(62))).toMatchObject({ ok: false, error: expect.stringMatching(/124 bytes/) });
  });
});

describe('findJsonError', async () => {
  const { findJsonError } = await import('../../panel/lib/composer');
  it('points at the first bad character', () => {
    expect(findJsonError('{"a":1}')).toBeUndefined();
    expect(findJsonError('{"a":}')).toBe(5);
    expect(findJsonError('[1,2,]')).toBe(5);
    expect(findJsonError('{"a":1} x')).toBe(8);
    expect(findJsonError('"abc')).toBe(4);
    expect(findJsonError('tru')).toBe(0);
    expect(findJsonError('{"a":"\\q"}')).toBe(7);
  });
});
