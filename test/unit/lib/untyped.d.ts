/** The few parts of client libraries shipped without types that the decoder tests use. */
declare module 'phoenix' {
  export interface Push {
    receive(status: string, callback: (response: never) => void): Push;
  }
  export class Channel {
    join(): Push;
    leave(): Push;
    push(event: string, payload: object | ArrayBuffer): Push;
    on(event: string, callback: (payload: unknown) => void): number;
    onError(callback: (reason?: unknown) => void): void;
  }
  export class Socket {
    constructor(endPoint: string, opts?: Record<string, unknown>);
    connect(): void;
    disconnect(): void;
    channel(topic: string, params?: object): Channel;
  }
  export class Presence {
    constructor(channel: Channel);
    onSync(callback: () => void): void;
    list(): unknown[];
  }
}

declare module '@rails/actioncable' {
  export interface Subscription {
    perform(action: string, data?: object): boolean;
    send(data: object): boolean;
    unsubscribe(): void;
  }
  export interface Consumer {
    subscriptions: { create(channel: string | object, mixin?: Record<string, (...args: never[]) => unknown>): Subscription };
    disconnect(): void;
  }
  export const adapters: { WebSocket: unknown; logger: unknown };
  export function createConsumer(url?: string): Consumer;
}
