import { useEffect, useState } from 'preact/hooks';
import { usePanel, useView } from './hooks/usePanel';
import { DEFAULT_HOLD_TIMEOUT_MS } from '../../src/shared/protocol';
import { freshSeed } from '../../src/shared/prng';
import { ACTION_LABELS, actsOnSockets, chaosFields, compileRule, describeDraft, newDraft, startDown, type ActionType, type MatchType, type RuleDraft } from '../lib/rules';
import type { Panel } from '../store/view';

const MATCH_LABELS: Record<MatchType, string> = { any: 'Every frame', text: 'Contains text', regex: 'Matches /regex/', json: 'JSON path' };

function RuleEditor({ draft, onSave, onCancel }: { draft: RuleDraft; onSave: (d: RuleDraft) => void; onCancel: () => void }) {
  const [d, setD] = useState(draft);
  // functional update: two edits before a render (autofill, a paste into two fields) must both stick
  const set = (patch: Partial<RuleDraft>) => setD((cur) => ({ ...cur, ...patch }));
  const check = compileRule(d);
  const input = (key: keyof RuleDraft, testid: string, placeholder: string, label: string) => (
    <label>
      {label}
      <input data-testid={testid} value={String(d[key] ?? '')} placeholder={placeholder} spellcheck={false} onInput={(e) => set({ [key]: e.currentTarget.value } as Partial<RuleDraft>)} />
    </label>
  );
  const chaos = chaosFields(d);
  const number = (key: keyof RuleDraft, testid: string, label: string, value: number, opts: { min?: number; max?: number; step?: string; title?: string } = {}) => (
    <label title={opts.title}>
      {label}
      <input data-testid={testid} type="number" min={opts.min ?? 0} max={opts.max} step={opts.step} value={value} onInput={(e) => set({ [key]: Number(e.currentTarget.value) } as Partial<RuleDraft>)} />
    </label>
  );
  const seeded = d.action === 'jitter' || d.action === 'loss' || d.action === 'duplicate';
  const socketsOnly = actsOnSockets(d);
  return (
    <div class="rule-editor" data-testid="rule-editor" role="form" aria-label="Edit rule">
      <div class="rule-grid">
        {input('name', 'rule-name', describeDraft(d), 'Name')}
        {input('url', 'rule-url', 'any socket (or a substring, or /regex/)', 'Socket URL')}
        {!socketsOnly && (
          <label>
            Direction
            <select data-testid="rule-direction" value={d.direction} onChange={(e) => set({ direction: e.currentTarget.value as RuleDraft['direction'] })}>
              <option value="both">both</option>
              <option value="sent">sent (page → server)</option>
              <option value="received">received (server → page)</option>
            </select>
          </label>
        )}
        {!socketsOnly && (
          <label>
            Frames
            <select data-testid="rule-match-type" value={d.matchType} onChange={(e) => set({ matchType: e.currentTarget.value as MatchType })}>
              {Object.entries(MATCH_LABELS).map(([k, v]) => (
                <option value={k}>{v}</option>
              ))}
            </select>
          </label>
        )}
        {!socketsOnly && d.matchType !== 'any' &&
          input('match', 'rule-match', d.matchType === 'json' ? '$.type' : d.matchType === 'regex' ? '/"type":"(ping|pong)"/' : 'subscribe', d.matchType === 'json' ? 'Path' : 'Pattern')}
        {!socketsOnly && d.matchType === 'json' && input('matchValue', 'rule-match-value', 'any value (or e.g. "ping", 42)', 'Equals')}
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
        {d.action === 'jitter' && number('minMs', 'rule-min-ms', 'Delay from (ms)', chaos.minMs)}
        {(d.action === 'delay' || d.action === 'mock' || d.action === 'jitter') && (
          <label>
            {d.action === 'delay' ? 'Delay (ms)' : d.action === 'jitter' ? 'to (ms)' : 'Reply after (ms)'}
            <input data-testid="rule-ms" type="number" min={0} value={d.ms} onInput={(e) => set({ ms: Number(e.currentTarget.value) })} />
          </label>
        )}
        {(d.action === 'loss' || d.action === 'duplicate') && number('percent', 'rule-percent', d.action === 'loss' ? 'Lose (%)' : 'Duplicate (%)', chaos.percent, { max: 100, step: 'any' })}
        {seeded && (
          <label title="The same seed draws the same frames (and the same delays) in every run: a run can be repeated">
            Seed
            <span class="seed">
              <input data-testid="rule-seed" type="number" min={0} value={chaos.seed} onInput={(e) => set({ seed: Number(e.currentTarget.value) })} />
              <button type="button" data-testid="rule-seed-new" title="Draw a new seed" aria-label="New seed" onClick={() => set({ seed: freshSeed() })}>
                ⟳
              </button>
            </span>
          </label>
        )}
        {d.action === 'disconnect' && (
          <label>
            After
            <select data-testid="rule-after" value={chaos.after} onChange={(e) => set({ after: e.currentTarget.value as 'frames' | 'seconds' })}>
              <option value="frames">N matching frames</option>
              <option value="seconds">T seconds open</option>
            </select>
          </label>
        )}
        {d.action === 'disconnect' && chaos.after === 'frames' && number('count', 'rule-count', 'Frames', chaos.count, { min: 1 })}
        {d.action === 'disconnect' && chaos.after === 'seconds' && number('seconds', 'rule-seconds', 'Seconds', chaos.seconds, { step: 'any' })}
        {d.action === 'server-down' && number('seconds', 'rule-seconds', 'Down for (s)', chaos.seconds, { step: 'any', title: 'From when the rule is saved (or restarted); new sockets fail as a refused connection does' })}
        {d.action === 'disconnect' && (
          <label title="1006: the network dropped (wasClean false, no reason); 1001, 1011, 1012…: the server closed">
            Close code
            <input data-testid="rule-code" type="number" min={1000} max={4999} list="ws-lens-close-codes" value={chaos.code} onInput={(e) => set({ code: Number(e.currentTarget.value) })} />
            <datalist id="ws-lens-close-codes">
              <option value="1006">network dropped</option>
              <option value="1001">going away</option>
              <option value="1011">server error</option>
              <option value="1012">service restart</option>
              <option value="1000">normal</option>
            </datalist>
          </label>
        )}
        {d.action === 'disconnect' && (
          <label>
            Reason
            <input
              data-testid="rule-reason"
              value={chaos.reason}
              disabled={chaos.code === 1006 || chaos.code === 1005}
              placeholder={chaos.code === 1006 ? 'none: the network gives none' : 'what the server says'}
              spellcheck={false}
              onInput={(e) => set({ reason: e.currentTarget.value })}
            />
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
  const { drafts, rulesOn, offline, holdTimeoutMs, rulesOrigin, rulesAcks } = useView((v) => ({
    drafts: v.ruleDrafts,
    rulesOn: v.rulesOn,
    offline: v.offline,
    socketsRev: v.revisions.sockets,
    rowsRev: v.revisions.rows,
    holdTimeoutMs: v.holdTimeoutMs,
    rulesOrigin: v.rulesOrigin,
    rulesAcks: v.rulesAcks,
  }));
  const [editing, setEditing] = useState<RuleDraft | undefined>();
  const save = (edited: RuleDraft) => {
    // a server-down rule's time starts when it is saved
    const d = startDown(edited);
    const i = drafts.findIndex((x) => x.id === d.id);
    panel.setRules(i < 0 ? [...drafts, d] : drafts.map((x) => (x.id === d.id ? d : x)));
    setEditing(undefined);
  };
  const now = useClock(drafts.some((d) => d.action === 'server-down' && d.enabled && rulesOn && chaosFields(d).downUntil > Date.now()));
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
        <label class="check offline" title="Every socket of this tab drops (close 1006) and new ones fail as a refused connection does, until switched back (or this panel closes)">
          <input type="checkbox" data-testid="offline" checked={offline} onChange={(e) => panel.setRules(drafts, { offline: e.currentTarget.checked })} /> Offline
        </label>
        <ChaosCount panel={panel} id="offline" testid="offline-status" />
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
                onChange={(e) => {
                  const enabled = e.currentTarget.checked;
                  // switched back on, a server-down rule's time starts again
                  panel.setRules(drafts.map((x) => (x.id === d.id ? (enabled ? startDown({ ...x, enabled }) : { ...x, enabled }) : x)));
                }}
              />
              <span class="rule-name">{d.name || describeDraft(d)}</span>
              {d.name && <span class="dim rule-desc">{describeDraft(d)}</span>}
              {error && <span class="composer-status error">not applied: {error}</span>}
              {d.action === 'server-down' && <DownStatus d={d} now={now} on={d.enabled && rulesOn} />}
              {d.action === 'server-down' && (
                <button data-testid="rule-restart" title="The server is down again for the rule's time, from now" onClick={() => panel.setRules(drafts.map((x) => (x.id === d.id ? startDown(x) : x)))}>
                  Restart
                </button>
              )}
              {(d.action === 'server-down' || d.action === 'disconnect') && <ChaosCount panel={panel} id={d.id} testid="rule-attempts" />}
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

/** The wall clock, ticking every 250 ms while `running` (a server-down countdown is on screen). */
function useClock(running: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [running]);
  return running ? now : Date.now();
}

function DownStatus({ d, now, on }: { d: RuleDraft; now: number; on: boolean }) {
  const left = chaosFields(d).downUntil - now;
  const down = on && left > 0;
  return (
    <span class={`rule-status ${down ? 'down' : ''}`} data-testid="rule-down-status" data-down={down ? 'true' : 'false'}>
      {down ? `down · ${Math.ceil(left / 1000)} s left` : on ? 'up again' : 'off'}
    </span>
  );
}

/**
 * What a chaos rule (or the offline switch, id `offline`) did to sockets: the attempts it refused, with when each
 * came (from the first), and the sockets it closed. Reconnect logic shows here as the gaps between attempts.
 */
function ChaosCount({ panel, id, testid }: { panel: Panel; id: string; testid: string }) {
  const touched = panel
    .socketKeys()
    .map((k) => panel.socket(k)!)
    .filter((s) => s.chaos?.id === id);
  if (!touched.length) return null;
  const refused = touched.filter((s) => s.openedAt === undefined);
  const closed = touched.length - refused.length;
  const first = refused[0]?.createdAt ?? 0;
  const times = refused.map((s) => ((s.createdAt - first) / 1000).toFixed(1));
  const shown = times.length > 8 ? [times[0], '…', ...times.slice(-7)] : times;
  return (
    <span class="dim chaos-count" data-testid={testid} data-refused={refused.length} data-closed={closed} title={refused.map((s) => `${new Date(s.createdAt).toISOString().slice(11, 23)} ${s.url}`).join('\n')}>
      {closed ? `${closed} closed` : ''}
      {closed && refused.length ? ' · ' : ''}
      {refused.length ? `${refused.length} refused at ${shown.join(', ')} s` : ''}
    </span>
  );
}
