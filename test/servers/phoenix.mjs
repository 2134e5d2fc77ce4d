/**
 * A Phoenix socket server written to the Phoenix socket protocol as its serializers define it, shared by the
 * decoder's unit test (test/unit/decoders/phoenix.test.ts) and the end-to-end server (test/e2e/lib/libservers.mjs).
 *
 * The real servers are Elixir, so this is a small `ws` server to Phoenix.Socket.V1/V2.JSONSerializer: messages,
 * `phx_reply` `{status, response}` by ref, `phx_close`/`phx_error` by join_ref, the binary push/reply/broadcast
 * kinds, Supabase's user broadcast kinds 3/4, Presence's presence_state/presence_diff, Realtime's join reply and
 * postgres_changes, and LiveView's payload shapes (joins answered with `rendered`, `event` replies with `diff`). The
 * real clients (the `phoenix` client and @supabase/realtime-js) accept it: their join ok/error, Presence sync,
 * broadcasts, SUBSCRIBED and postgres changes all arrive.
 *
 * Topics: room:lobby (presence_state and presence_diff after the join; `new_msg` is broadcast back; a binary
 * `upload` is replied to reversed and broadcast as `blob`; `crash` errors the channel), room:locked (the join is
 * refused), lv:* (LiveView), realtime:* (Supabase Realtime). The heartbeat (topic `phoenix`) gets the ok reply every
 * push with a ref gets.
 */
import { WebSocketServer } from 'ws';

/**
 * @typedef {object} Msg
 * @property {string | null} joinRef
 * @property {string | null} ref
 * @property {string} topic
 * @property {string} event
 * @property {unknown} payload
 * @property {boolean} [binary]
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

/** @param {Buffer} b @returns {Msg} */
function binaryIn(b) {
  const kind = b[0];
  const n = kind === 0 ? 4 : 6; // push: joinRef ref topic event; Supabase user push: + meta, encoding
  const sizes = [...b.subarray(1, 1 + n)];
  let p = 1 + n;
  /** @param {number} len */
  const take = (len) => dec.decode(b.subarray(p, (p += len)));
  const [joinRef, ref, topic, event] = sizes.slice(0, 4).map(take);
  if (kind === 0) return { joinRef, ref, topic, event, payload: b.subarray(p), binary: true };
  take(sizes[4]); // metadata
  const raw = b.subarray(p);
  const payload = sizes[5] === 1 ? JSON.parse(dec.decode(raw)) : raw;
  return { joinRef, ref: ref || null, topic, event: 'broadcast', payload: { type: 'broadcast', event, payload }, binary: true };
}

/** @param {number} kind @param {string[]} strings @param {number[]} [extra] */
const header = (kind, strings, extra = []) => {
  const bytes = strings.map((s) => enc.encode(s));
  return Buffer.concat([Buffer.from([kind, ...bytes.map((x) => x.length), ...extra]), ...bytes]);
};

/**
 * A `ws` server speaking the Phoenix socket protocol on every connection (v1 when the url says `vsn=1.0.0`, v2
 * otherwise): `{ server }` to take an http server's upgrades, `{ noServer: true }` to be handed them.
 * @param {import('ws').ServerOptions} options
 * @returns {WebSocketServer}
 */
export function phoenixServer(options) {
  const wss = new WebSocketServer(options);
  wss.on('connection', (ws, req) => {
    const v1 = new URL(req.url ?? '/', 'http://x').searchParams.get('vsn') === '1.0.0';
    /** @param {string | null} joinRef @param {string | null} ref @param {string} topic @param {string} event @param {unknown} payload */
    const send = (joinRef, ref, topic, event, payload) =>
      ws.send(v1 ? JSON.stringify({ topic, event, payload, ref }) : JSON.stringify([joinRef, ref, topic, event, payload]));
    /** @param {Msg} m @param {string} status @param {unknown} [response] */
    const reply = (m, status, response = {}) => send(m.joinRef, m.ref, m.topic, 'phx_reply', { status, response });
    ws.on('message', (data, isBinary) => {
      const buf = /** @type {Buffer} */ (data);
      /** @type {Msg} */
      let m;
      if (isBinary) m = binaryIn(buf);
      else {
        const v = JSON.parse(buf.toString());
        m = Array.isArray(v)
          ? { joinRef: v[0], ref: v[1], topic: v[2], event: v[3], payload: v[4] }
          : { joinRef: v.join_ref ?? null, ref: v.ref, topic: v.topic, event: v.event, payload: v.payload };
      }
      const p = /** @type {Record<string, unknown>} */ (m.payload ?? {});
      if (m.event === 'phx_join') {
        if (m.topic === 'room:locked') return reply(m, 'error', { reason: 'unauthorized' });
        if (m.topic.startsWith('lv:')) return reply(m, 'ok', { rendered: { 0: '0', 1: 'ann', s: ['<p>Count: ', ' by ', '</p>'] } });
        if (m.topic.startsWith('realtime:')) {
          const config = /** @type {{ postgres_changes?: object[] }} */ (p.config ?? {});
          reply(m, 'ok', { postgres_changes: (config.postgres_changes ?? []).map((c, i) => ({ ...c, id: 100 + i })) });
          send(m.joinRef, null, m.topic, 'system', { status: 'ok', message: 'Subscribed to PostgreSQL', extension: 'postgres_changes', channel: m.topic.slice(9) });
          send(m.joinRef, null, m.topic, 'presence_state', {});
          send(null, null, m.topic, 'postgres_changes', {
            ids: [100],
            data: { schema: 'public', table: 'todos', commit_timestamp: '2026-12-02T13:00:00Z', type: 'INSERT', record: { id: 1, title: 'milk' }, columns: [{ name: 'id', type: 'int8' }], errors: null },
          });
          return;
        }
        reply(m, 'ok', {});
        if (m.topic === 'room:lobby') {
          send(m.joinRef, null, m.topic, 'presence_state', { alice: { metas: [{ phx_ref: 'F1', online_at: 1 }] } });
          send(m.joinRef, null, m.topic, 'presence_diff', { joins: { bob: { metas: [{ phx_ref: 'F2' }] }, carol: { metas: [{ phx_ref: 'F3' }] } }, leaves: { alice: { metas: [{ phx_ref: 'F1' }] } } });
        }
        return;
      }
      if (m.event === 'phx_leave') {
        reply(m, 'ok');
        return send(m.joinRef, m.joinRef, m.topic, 'phx_close', {});
      }
      if (m.event === 'crash') return send(m.joinRef, m.joinRef, m.topic, 'phx_error', {});
      if (m.binary && m.event === 'upload') {
        const payload = /** @type {Buffer} */ (m.payload);
        ws.send(Buffer.concat([header(1, [m.joinRef ?? '', m.ref ?? '', m.topic, 'ok']), Buffer.from([...payload].reverse())]));
        return ws.send(Buffer.concat([header(2, [m.topic, 'blob']), payload]));
      }
      if (m.topic.startsWith('realtime:') && m.event === 'broadcast') {
        if (m.ref) reply(m, 'ok');
        const b = /** @type {{ event: string; payload: unknown }} */ (p);
        if (v1) return send(null, null, m.topic, 'broadcast', { type: 'broadcast', event: b.event, payload: b.payload });
        return ws.send(Buffer.concat([header(4, [m.topic, b.event, ''], [1]), Buffer.from(JSON.stringify(b.payload))]));
      }
      if (m.topic.startsWith('realtime:') && m.event === 'presence') {
        reply(m, 'ok');
        return send(m.joinRef, null, m.topic, 'presence_diff', { joins: { u1: { metas: [{ phx_ref: 'P1', .../** @type {object} */ (p.payload ?? {}) }] } }, leaves: {} });
      }
      if (m.topic.startsWith('lv:') && m.event === 'event') {
        reply(m, 'ok', { diff: { 0: '1' } });
        return send(m.joinRef, null, m.topic, 'diff', { 0: '2', 1: 'bob' });
      }
      if (m.ref) reply(m, 'ok');
      if (m.event === 'new_msg') send(m.joinRef, null, m.topic, 'new_msg', m.payload);
    });
  });
  return wss;
}
