/**
 * Where a worker hook goes at the start of a worker script's text (Firefox: the background's filtered http(s)
 * scripts, workers-firefox.ts, and the document hook's re-wrapped blob:/data: ones, src/page/worker-wrap-firefox.ts):
 * after a BOM, a `#!` line and the directive prologue (each directive ended by `;` or a line break), before anything
 * else, so a worker's `'use strict'` stays a directive. Comments and white space before a directive stay where they
 * are. It runs in the page's MAIN world too, so every built-in it uses is taken when the module loads (before any
 * page script): a page that later replaces `String.prototype.slice` or `RegExp.prototype.exec` cannot steer it.
 */
const call = Function.prototype.call;
const exec = call.bind(RegExp.prototype.exec) as (re: RegExp, s: string) => RegExpExecArray | null;
const slice = call.bind(String.prototype.slice) as (s: string, from: number, to?: number) => string;
const charCodeAt = call.bind(String.prototype.charCodeAt) as (s: string, at: number) => number;

const DIRECTIVE = /^(?:\s|\/\/[^\n\r\u2028\u2029]*|\/\*[\s\S]*?\*\/)*(?:'[^'\\\n\r]*'|"[^"\\\n\r]*")[ \t]*(?:;|(?=\r|\n|\u2028|\u2029))/;
const LINE_END = /\r\n|[\n\r\u2028\u2029]/;

export function hookOffset(head: string): number {
  let i = 0;
  if (charCodeAt(head, 0) === 0xfeff) i = 1;
  if (slice(head, i, i + 2) === '#!') {
    const nl = exec(LINE_END, slice(head, i));
    if (!nl) return head.length;
    i += nl.index + nl[0].length;
  }
  for (;;) {
    const m = exec(DIRECTIVE, slice(head, i));
    if (!m) return i;
    i += m[0].length;
  }
}
