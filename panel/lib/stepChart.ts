/**
 * The bufferedAmount chart's line. bufferedAmount is sampled (after each send, then every tick while it drains), and
 * a sample's value holds until the next one: the line is drawn as steps, level until the next sample's time, then
 * straight up or down to its value. A ramp between samples would show bytes queued, or drained, that never were.
 */
export interface Sample {
  time: number;
  amount: number;
}

/**
 * An SVG path for `samples` scaled into `width` × `height` (1 px inset; the top 4 px are left for the label), the
 * peak, and the time scale (for the send ticks drawn under the line).
 */
export function stepPath(samples: readonly Sample[], width: number, height: number): { d: string; max: number; x: (t: number) => string } {
  if (samples.length === 0) return { d: '', max: 0, x: () => '0' };
  const t0 = samples[0].time;
  const span = Math.max(1, samples[samples.length - 1].time - t0);
  let max = 1;
  for (const s of samples) if (s.amount > max) max = s.amount;
  const x = (t: number) => (((t - t0) / span) * (width - 2) + 1).toFixed(1);
  const y = (a: number) => (height - 2 - (a / max) * (height - 6)).toFixed(1);
  let d = `M${x(t0)},${y(samples[0].amount)}`;
  for (let i = 1; i < samples.length; i++) d += `H${x(samples[i].time)}V${y(samples[i].amount)}`;
  return { d, max, x };
}
