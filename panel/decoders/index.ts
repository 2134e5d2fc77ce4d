/**
 * The protocols WS Lens decodes, in detection order: the most specific first, since several of them ride on JSON.
 * Plain JSON is not detected (it pairs nothing, so the panel decodes it lazily); it can be chosen by hand.
 */
import type { Protocol, ProtocolId } from './types';
import { socketIo } from './socketio';
import { graphqlWs, subscriptionsTransportWs } from './graphql';
import { jsonRpc } from './jsonrpc';
import { stomp } from './stomp';
import { mqtt } from './mqtt';
import { plainJson } from './json';
import { sockJsOver } from './sockjs';
import { phoenix } from './phoenix';
import { actionCable } from './actioncable';
import { signalr } from './signalr';
import { wamp } from './wamp';
import { msgpack } from './msgpack';
import { cbor } from './cbor';
import { protobufRaw } from './protobuf';
import { schemaProtocol } from './protobufSchema';

/** SockJS carries another protocol: its messages are decoded by the first of the others that recognises them */
const sockJs = sockJsOver(() => PROTOCOLS.filter((p) => p !== sockJs));

export const PROTOCOLS: readonly Protocol[] = [
  socketIo, sockJs, phoenix, actionCable, graphqlWs, subscriptionsTransportWs, mqtt, stomp, jsonRpc,
  signalr, wamp,
  // generic binary formats last: any protocol above that rides on them is more specific
  msgpack, cbor,
];
export const plainJsonProtocol = plainJson;

/** Every protocol a socket can be decoded as, for the "decode as" menu. */
export const CHOICES: readonly Protocol[] = [...PROTOCOLS, plainJson, protobufRaw, schemaProtocol()];

export function protocolById(id: ProtocolId): Protocol {
  return CHOICES.find((p) => p.id === id)!;
}
