import { useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { DEFAULT_HOLD_TIMEOUT_MS } from '../../src/shared/protocol';
import { ACTION_LABELS, compileRule, describeDraft, newDraft, type ActionType, type MatchType, type RuleDraft } from '../lib/rules';

const MATCH_LABELS: Record<MatchType, string> = { any: 'Every frame', text: 'Contains text', regex: 'Matches /regex/', json: 'JSON path' };

function RuleEditor({ draft, onSave, onCancel }: { draft: RuleDraft; onSave: (d: RuleDraft) => void; onCancel: () => void }) {
  const [d, setD] = useState(draft);
  // functional update: two edits before a render (autofill, a paste into two fields) must both stick
  const set = (patch: Partial<RuleDraft>) => setD((cur) => ({ ...cur, ...patch }));
  const check = compileRule(d);
  const input = (key: keyof RuleDraft, testid: string, placeholder: string, label: string) => (
    <label>
      {label}
      <input data-testid={testid} value={String(d[key])} placeholder={placeholder} spellcheck={false} onInput={(e) => set({ [key]: e.currentTarget.value } as Partial<RuleDraft>)} />
    </label>
  );
  return (
    <div class="rule-editor" data-testid="rule-editor" role="form" aria-label="Edit rule">
      <div class="rule-grid">
        {input('name', 'rule-name', describeDraft(d), 'Name')}
        {input('url', 'rule-url', 'any socket (or a substring, or /regex/)', 'Socket URL')}
        <label>
          Direction
          <select data-testid="rule-direction" value={d.direction} onChange={(e) => set({ direction: e.currentTarget.value as RuleDraft['direction'] })}>
            <option value="both">both</option>
            <option value="sent">sent (page → server)</option>
            <option value="received">received (server → page)</option>
          </select>
        </label>
        <label>
          Frames
          <select data-testid="rule-match-type" value={d.matchType} onChange={(e) => set({ matchType: e.currentTarget.value as MatchType })}>
            {Object.entries(MATCH_LABELS).map(([k, v]) => (
              <option value={k}>{v}</option>
            ))}
          </select>
        </label>
        {d.matchType !== 'any' &&
          input('match', 'rule-match', d.matchType === 'json' ? '$.type' : d.matchType === 'regex' ? '/"type":"(ping|pong)"/' : 'subscribe', d.matchType === 'json' ? 'Path' : 'Pattern')}
        {d.matchType === 'json' && input('matchValue', 'rule-match-value', 'any value (or e.g. "ping", 42)', 'Equals')}
        <label>
          Action
          <select data-testid="rule-action" value={d.action} onChange={(e) => {
              const action = e.currentTarget.value as ActionType;
              set(action === 'mock' ? { action, direction: 'sent' } : { action });
            }}>
            {Object.entries(ACTION_LABELS).map(([k, v]) => (
              <option value={k}>{v}</option>
            ))}
          </select>
        </label>
        {d.action === 'rewrite' && input('find', 'rule-find', 'text or /regex/g', 'Replace')}
        {d.action === 'rewrite' && input('replace', 'rule-replace', 'with ($1 works with a regex)', 'With')}
        {d.action === 'rewrite-json' && input('find', 'rule-find', '$.user.role', 'Field')}
        {d.action === 'rewrite-json' && input('replace', 'rule-replace', '"admin"', 'Value (JSON)')}
        {(d.action === 'delay' || d.action === 'mock') && (
          <label>
            {d.action === 'delay' ? 'Delay (ms)' : 'Reply after (ms)'}
            <input data-testid="rule-ms" type="number" min={0} value={d.ms} onInput={(e) => set({ ms: Number(e.currentTarget.value) })} />
          </label>
        )}
        {d.action === 'mock' && (
          <label class="wide">
            Reply
            <textarea
              data-testid="rule-reply"
              spellcheck={false}
              value={d.reply}
              placeholder={'{"id": {{$.id}}, "result": "ok"}   ({{$.path}} and {{frame}} come from the sent frame)'}
              onInput={(e) => set({ reply: e.currentTarget.value })}
            />
          </label>
        )}
        {d.action === 'mock' && (
          <label class="check">
            <input type="checkbox" data-testid="rule-also-send" checked={d.alsoSend} onChange={(e) => set({ alsoSend: e.currentTarget.checked })} /> also send the original
          </label>
        )}
      </div>
      <div class="rule-editor-bar">
        <button class="primary" data-testid="rule-save" disabled={!!check.error} onClick={() => onSave(d)}>
          Save rule
        </button>
        <button onClick={onCancel}>Cancel</button>
        {check.error && (
          <span class="composer-status error" data-testid="rule-error" role="alert">
            {check.error}
          </span>
        )}
      </div>
    </div>
  );
}

/** The rule list for the inspected origin: first match wins, top to bottom. */
export function RulesPane() {
  const panel = usePanel();
  const { drafts, rulesOn, holdTimeoutMs, rulesOrigin, rulesAcks } = useView((v) => ({
    drafts: v.ruleDrafts,
    rulesOn: v.rulesOn,
    holdTimeoutMs: v.holdTimeoutMs,
    rulesOrigin: v.rulesOrigin,
    rulesAcks: v.rulesAcks,
  }));
  const [editing, setEditing] = useState<RuleDraft | undefined>();
  const save = (d: RuleDraft) => {
    const i = drafts.findIndex((x) => x.id === d.id);
    panel.setRules(i < 0 ? [...drafts, d] : drafts.map((x) => (x.id === d.id ? d : x)));
    setEditing(undefined);
  };
  const move = (i: number, by: number) => {
    const list = [...drafts];
    const [r] = list.splice(i, 1);
    list.splice(Math.max(0, Math.min(list.length, i + by)), 0, r);
    panel.setRules(list);
  };
  return (
    <div class="rules" data-testid="rules" role="region" aria-label="Traffic rules" data-acks={rulesAcks}>
      <div class="rules-head">
        <label class="check" title="Switch every rule off (held frames are released) or back on">
          <input type="checkbox" data-testid="rules-on" checked={rulesOn} onChange={(e) => panel.setRules(drafts, { on: e.currentTarget.checked })} /> Rules on
        </label>
        <label title="A held frame nobody decides on is released as it was after this long">
          hold timeout{' '}
          <input
            class="timeout"
            data-testid="hold-timeout"
            type="number"
            min={1}
            value={Math.round(holdTimeoutMs / 1000)}
            onChange={(e) => panel.setRules(drafts, { holdTimeoutMs: Math.max(1, Number(e.currentTarget.value) || DEFAULT_HOLD_TIMEOUT_MS / 1000) * 1000 })}
          />{' '}
          s
        </label>
        <span class="dim">{rulesOrigin ? `for ${rulesOrigin}` : ''} · first match wins · apply while this panel is open</span>
        <span class="spacer" />
        <button class="primary" data-testid="rule-add" onClick={() => setEditing(newDraft())}>
          + Add rule
        </button>
      </div>
      {editing && !drafts.some((d) => d.id === editing.id) && <RuleEditor draft={editing} onSave={save} onCancel={() => setEditing(undefined)} />}
      {!drafts.length && !editing && (
        <div class="empty-hint">
          No rules. A rule can pause frames for you to edit or drop, drop them, rewrite them, delay them, or answer a sent frame with a mock reply, on the
          page’s own socket.
        </div>
      )}
      <div class="rule-list">
        {drafts.map((d, i) => {
          const error = compileRule(d).error;
          return editing?.id === d.id ? (
            <RuleEditor draft={d} onSave={save} onCancel={() => setEditing(undefined)} />
          ) : (
            <div class={`rule-row ${d.enabled && rulesOn ? '' : 'off'}`} data-testid="rule" data-action={d.action}>
              <input
                type="checkbox"
                data-testid="rule-enabled"
                aria-label="Rule enabled"
                checked={d.enabled}
                onChange={(e) => panel.setRules(drafts.map((x) => (x.id === d.id ? { ...x, enabled: e.currentTarget.checked } : x)))}
              />
              <span class="rule-name">{d.name || describeDraft(d)}</span>
              {d.name && <span class="dim rule-desc">{describeDraft(d)}</span>}
              {error && <span class="composer-status error">not applied: {error}</span>}
              <span class="spacer" />
              <button title="Move up" aria-label="Move up" disabled={i === 0} onClick={() => move(i, -1)}>
                ↑
              </button>
              <button title="Move down" aria-label="Move down" disabled={i === drafts.length - 1} onClick={() => move(i, 1)}>
                ↓
              </button>
              <button data-testid="rule-edit" onClick={() => setEditing(d)}>
                Edit
              </button>
              <button data-testid="rule-delete" onClick={() => panel.setRules(drafts.filter((x) => x.id !== d.id))}>
                Delete
              </button>
            </div>
          );
        })}
      </div>
    </div>
  );
}
