/** A row's payload as text to edit before it is forwarded or replayed: text stays text, bytes are edited as base64. */
import type { Frame } from '../store/model';

export function editableText(f: Frame): { mode: 'text' | 'base64'; text: string } {
  return { mode: f.payload?.type === 'text' ? 'text' : 'base64', text: f.payload?.data ?? '' };
}
