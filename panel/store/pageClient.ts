/**
 * The store's one way to ask a document of the inspected tab for something and hear back: each request gets an id,
 * waits for the answer from the very frame and document it went to (nobody else may settle it), and gives up after
 * a timeout, since a page that navigated or closed never answers.
 */
import type { PageCommand, Payload } from '../../src/shared/protocol';

/** What the store needs from the outside world (a runtime port in the panel, a fake in tests). */
export interface Transport {
  /** Post a command to one document of the inspected tab. Nothing comes back here: answers arrive as messages. */
  command(frameId: number, docId: string, cmd: PageCommand): void;
  /** Worker capture on or off for the tab (the background's business, not a document's) */
  captureWorkers?(on: boolean): void;
}

/** Who a request went to: a frame of the tab (as the background numbers them) and the document in it. */
export interface Addressee {
  frameId: number;
  docId: string;
}

/** How long a command waits for its answer. */
export const ANSWER_TIMEOUT_MS = 5_000;
/** A whole payload may be megabytes, read from a Blob: it gets longer. */
export const PAYLOAD_TIMEOUT_MS = 15_000;

/** A command's answer: `error` says why it failed, its absence that it was done. */
export interface Done {
  error?: string;
}
/** The answer to `payload`: the frame's whole payload, or why not. */
export interface Fetched {
  payload?: Payload;
  error?: string;
}

/** What each command that expects an answer resolves with. */
export interface Results {
  send: Done;
  inject: Done;
  close: Done;
  rules: Done;
  decide: Done;
  'resume-all': Done;
  'page-options': Done;
  replay: Done;
  payload: Fetched;
}
export type AnsweredCommand = Extract<PageCommand, { cmd: keyof Results }>;
/** A command as the caller writes it: the client numbers it. */
export type Request = AnsweredCommand extends infer C ? (C extends unknown ? Omit<C, 'reqId'> : never) : never;
/** Commands the page does not answer. */
export type Unanswered = Exclude<PageCommand, AnsweredCommand>;

/** How an answer arrives: a `result` message for most commands, a `payload` message for `payload`. */
type AnswerKind = 'result' | 'payload';

interface Waiter {
  to: Addressee;
  kind: AnswerKind;
  resolve: (answer: Fetched) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class PageClient {
  private nextReqId = 1;
  private waiters = new Map<number, Waiter>();

  constructor(private transport: Transport) {}

  /** Send a command that has no answer (subscribe). */
  post(to: Addressee, cmd: Unanswered): void {
    this.transport.command(to.frameId, to.docId, cmd);
  }

  /** Send a command and wait for its answer, or for `waitMs` to pass. */
  request<R extends Request>(to: Addressee, cmd: R, waitMs?: number): Promise<Results[R['cmd']]> {
    const reqId = this.nextReqId++;
    const kind: AnswerKind = cmd.cmd === 'payload' ? 'payload' : 'result';
    const wait = waitMs ?? (kind === 'payload' ? PAYLOAD_TIMEOUT_MS : ANSWER_TIMEOUT_MS);
    const silence = kind === 'payload' ? 'No answer from the page (it may have navigated).' : 'No answer from the page (it may have navigated or closed).';
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(reqId, { error: silence }), wait);
      this.waiters.set(reqId, { to, kind, resolve: resolve as (a: Fetched) => void, timer });
      this.transport.command(to.frameId, to.docId, { ...cmd, reqId } as PageCommand);
    });
  }

  /** A document's answer: it settles the request only if that request went to this frame and document. */
  answer(reqId: number, from: Addressee, kind: AnswerKind, answer: Fetched): void {
    const w = this.waiters.get(reqId);
    if (w && w.kind === kind && sameAddressee(w.to, from)) this.settle(reqId, answer);
  }

  /** The background could not deliver a request (the frame is gone): it fails now rather than at its timeout. */
  undeliverable(reqId: number, to: Addressee, error: string): void {
    const w = this.waiters.get(reqId);
    if (w && sameAddressee(w.to, to)) this.settle(reqId, { error });
  }

  private settle(reqId: number, answer: Fetched): void {
    const w = this.waiters.get(reqId);
    if (!w) return;
    this.waiters.delete(reqId);
    clearTimeout(w.timer);
    w.resolve(w.kind === 'payload' ? answer : { error: answer.error });
  }
}

function sameAddressee(a: Addressee, b: Addressee): boolean {
  return a.frameId === b.frameId && a.docId === b.docId;
}
