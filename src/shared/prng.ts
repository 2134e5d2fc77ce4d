/**
 * The seeded random numbers of chaos rules: mulberry32 (a 32-bit state, one step per number). Shared by the page hook
 * (which draws) and the tests (which predict). Operators only, no built-in: the hook must not call anything a page
 * can replace, so even `Math.imul` is done by hand.
 *
 * Each socket and direction has a stream of its own, started from the rule's seed and the stream's number, so the
 * k-th matching frame of socket 3's received frames draws the same number in every run with that seed, whatever
 * the other sockets do meanwhile.
 */

/** 32-bit multiplication, as Math.imul */
function imul(a: number, b: number): number {
  const aHi = (a >>> 16) & 0xffff;
  const aLo = a & 0xffff;
  const bHi = (b >>> 16) & 0xffff;
  const bLo = b & 0xffff;
  return (aLo * bLo + (((aHi * bLo + aLo * bHi) << 16) >>> 0)) | 0;
}

/** The first state of a stream: the seed mixed with the stream's number (a socket id and a direction). */
export function rngStart(seed: number, sid: number, sent: boolean): number {
  let h = (seed | 0) ^ imul(sid * 2 + (sent ? 1 : 0) + 1, 0x9e3779b1);
  h = imul(h ^ (h >>> 16), 0x85ebca6b);
  h = imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** One number in [0, 1) from the stream's state, which moves on. */
export function rngNext(state: { s: number }): number {
  const a = (state.s = (state.s + 0x6d2b79f5) | 0);
  let t = imul(a ^ (a >>> 15), 1 | a);
  t = (t + imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A new seed for a rule the user has not given one: a positive 31-bit integer (the panel's, never the page's). */
export function freshSeed(random: () => number = Math.random): number {
  return 1 + Math.floor(random() * 0x7ffffffe);
}
