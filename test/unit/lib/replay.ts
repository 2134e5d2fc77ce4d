import type { DecodeOutput, Decoded, FrameInput, Handshake, Protocol } from '../../../panel/decoders/types';

/**
 * Feed frames in order to one fresh decoder of `protocol`, as the panel does: each frame's output, and each frame's
 * decoded view once every later update has been applied (what the panel ends up showing).
 */
export function replay(protocol: Protocol, frames: FrameInput[], handshake?: Handshake) {
  const dec = protocol.create(handshake);
  const view = new Map<number, Decoded | null>();
  const outputs = new Map<number, DecodeOutput>();
  for (const f of frames) {
    const out = dec.decode(f);
    outputs.set(f.seq, out);
    view.set(f.seq, out.decoded);
    for (const u of out.updates ?? []) view.set(u.seq, u.decoded);
  }
  return { view, outputs };
}

/** The same, as the outputs in frame order and the views of the frames that decoded. */
export function replayInOrder(protocol: Protocol, frames: FrameInput[], handshake?: Handshake): { outputs: DecodeOutput[]; views: Map<number, Decoded> } {
  const { view, outputs } = replay(protocol, frames, handshake);
  const views = new Map<number, Decoded>();
  for (const [seq, d] of view) if (d) views.set(seq, d);
  return { outputs: frames.map((f) => outputs.get(f.seq)!), views };
}
