/**
 * An Action Cable server written to its published protocol, shared by the decoder's unit test
 * (test/unit/decoders/actioncable.test.ts) and the end-to-end server (test/e2e/lib/libservers.mjs).
 *
 * The real server is Ruby, so this is a `ws` server to Action Cable's protocol: subprotocol `actioncable-v1-json`;
 * `welcome`; a `ping` beat (Rails beats every 3 s; here every `pingMs`, short so that tests see several);
 * `confirm_subscription` / `reject_subscription` (SecretChannel) for `subscribe`; channel messages
 * `{identifier, message}` (a `speak` action is answered as user ann); `disconnect` with `reason` and `reconnect`
 * (the `leave` action); and Turbo::StreamsChannel broadcasting a `<turbo-stream>` fragment on subscribe, as
 * turbo-rails does. The real @rails/actioncable client accepts it: its connected, rejected, received and
 * disconnected callbacks all fire.
 */
import { WebSocketServer } from 'ws';

/** what Turbo::StreamsChannel broadcasts to a new subscriber */
export const TURBO =
  '<turbo-stream action="append" target="messages"><template><div id="message_1">Hello <b>world</b></div></template></turbo-stream>' +
  '<turbo-stream action="remove" targets=".unread"></turbo-stream>';

/**
 * A `ws` server speaking Action Cable on every connection: `{ server }` to take an http server's upgrades,
 * `{ noServer: true }` to be handed them.
 * @param {import('ws').ServerOptions & { pingMs?: number }} options `pingMs`: the ping beat (default 3000, as Rails)
 * @returns {WebSocketServer}
 */
export function cableServer({ pingMs = 3000, ...options }) {
  const wss = new WebSocketServer({ ...options, handleProtocols: (offered) => (offered.has('actioncable-v1-json') ? 'actioncable-v1-json' : false) });
  wss.on('connection', (ws) => {
    /** @param {object} m */
    const send = (m) => ws.send(JSON.stringify(m));
    send({ type: 'welcome' });
    const beat = setInterval(() => send({ type: 'ping', message: Math.floor(Date.now() / 1000) }), pingMs);
    ws.on('close', () => clearInterval(beat));
    ws.on('message', (raw) => {
      const m = /** @type {{ command: string; identifier: string; data?: string }} */ (JSON.parse(String(raw)));
      const id = /** @type {Record<string, string>} */ (JSON.parse(m.identifier));
      if (m.command === 'subscribe') {
        if (id.channel === 'SecretChannel') return send({ identifier: m.identifier, type: 'reject_subscription' });
        send({ identifier: m.identifier, type: 'confirm_subscription' });
        if (id.channel === 'Turbo::StreamsChannel') send({ identifier: m.identifier, message: TURBO });
        return;
      }
      if (m.command === 'message') {
        const data = /** @type {{ action?: string; message?: string }} */ (JSON.parse(/** @type {string} */ (m.data)));
        if (data.action === 'speak') send({ identifier: m.identifier, message: { user: 'ann', text: data.message } });
        if (data.action === 'leave') {
          send({ type: 'disconnect', reason: 'unauthorized', reconnect: false });
          ws.close();
        }
      }
    });
  });
  return wss;
}
