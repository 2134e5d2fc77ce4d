/**
 * The Protocol Buffers schema of the inspected origin: the loaded files, the schema they make, and per socket URL
 * the message type each direction is read as. Kept per origin (main.tsx stores `stored()` under
 * `protobuf:<origin>`). Sockets are matched across reloads by their URL without its query and fragment
 * (`socketUrlKey`): query strings tend to carry tokens and session ids that change on every load.
 */
import type { Protocol } from '../decoders/types';
import { schemaProtocol } from '../decoders/protobufSchema';
import { bytesToBase64 } from '../lib/base64';
import { compileSchema, isDescriptorName, loadProtobufLib, type ProtobufLib, type Schema, type SchemaFile } from './protobufSchemas';

export type { SchemaFile } from './protobufSchemas';

/** What one socket URL's frames are read as, by direction; `on`: its sockets are decoded with the schema on sight. */
export interface SocketTypes {
  sent?: string;
  received?: string;
  on: boolean;
}

/** The storage format, one per origin. */
export interface StoredProtobuf {
  version: 1;
  files: SchemaFile[];
  /** by socketUrlKey */
  sockets: Record<string, SocketTypes>;
}

export interface ProtobufFileInfo {
  name: string;
  kind: 'proto' | 'descriptor';
  /** bytes */
  size: number;
  /** what it holds: its package and message types, or a descriptor set's files */
  detail: string;
}

/** What the components see; replaced, never changed, when anything in it changes. */
export interface ProtobufView {
  files: readonly ProtobufFileInfo[];
  /** every message type's full name, for the type selects */
  types: readonly string[];
  /** the last load's failure (the schema before it stays in use) */
  error?: string;
  /** the protobuf library or a schema is loading */
  loading: boolean;
  sockets: Readonly<Record<string, SocketTypes>>;
  /** counts the user's asks for the schema pane ("decode as" → Protocol Buffers (schema)…) */
  paneRequests: number;
}

/** Together, the loaded files may be at most this large: they are kept in extension storage. */
export const MAX_SCHEMA_BYTES = 4 << 20;

/** ws://host:port/path: the part of a socket's URL that says which endpoint it is. */
export function socketUrlKey(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.split(/[?#]/)[0];
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A file the user picked, as the schema keeps it: a descriptor set by its name or by not being UTF-8 text. */
export function schemaFileOf(name: string, bytes: Uint8Array): SchemaFile {
  if (!isDescriptorName(name))
    try {
      return { name, proto: utf8.decode(bytes) };
    } catch {
      // not text: a descriptor set whatever it is called
    }
  return { name, descriptor: bytesToBase64(bytes) };
}

function sizeOf(f: SchemaFile): number {
  return f.proto !== undefined ? new TextEncoder().encode(f.proto).length : Math.floor((f.descriptor!.length * 3) / 4);
}

export class ProtobufSchemas {
  view: ProtobufView = { files: [], types: [], loading: false, sockets: {}, paneRequests: 0 };
  /** the origin this schema belongs to */
  origin: string | undefined;
  private files: SchemaFile[] = [];
  private schema: Schema | undefined;
  private sockets: Record<string, SocketTypes> = {};
  /** loads one after another: each compiles on top of the files the one before left */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private loadLib: () => Promise<ProtobufLib> = loadProtobufLib) {}

  private update(patch: Partial<ProtobufView> = {}): void {
    const details = this.schema?.details ?? {};
    this.view = {
      ...this.view,
      files: this.files.map((f) => ({ name: f.name, kind: f.proto !== undefined ? 'proto' : 'descriptor', size: sizeOf(f), detail: details[f.name] ?? '' })),
      types: this.schema?.types ?? [],
      sockets: { ...this.sockets },
      ...patch,
    };
  }

  /** Compile `files` as the new schema; on failure keep the one in use and say why. */
  private compile(files: SchemaFile[], origin: string | undefined, keepOnFailure: boolean): Promise<string | undefined> {
    const run = async (): Promise<string | undefined> => {
      this.update({ loading: true });
      let lib: ProtobufLib;
      try {
        lib = await this.loadLib();
      } catch (e) {
        this.update({ loading: false, error: `Could not load protobufjs: ${(e as Error).message}` });
        return this.view.error;
      }
      // the inspected page moved to another origin meanwhile: this load was for the one before
      if (this.origin !== origin) return 'The page moved to another origin: nothing was loaded.';
      const total = files.reduce((n, f) => n + sizeOf(f), 0);
      const r = total > MAX_SCHEMA_BYTES ? { ok: false as const, error: `The schema files come to ${total} bytes; at most ${MAX_SCHEMA_BYTES} can be kept.` } : compileSchema(lib, files);
      if (!r.ok) {
        if (!keepOnFailure) {
          // what storage held no longer compiles: list the files so they can be removed or replaced
          this.files = files;
          this.schema = undefined;
        }
        this.update({ loading: false, error: r.error });
        return r.error;
      }
      this.files = files;
      this.schema = r.schema;
      this.update({ loading: false, error: undefined });
      return undefined;
    };
    const next = this.queue.then(run, run);
    this.queue = next;
    return next;
  }

  /** Add files (a file of the same name is replaced) and compile them with the rest. */
  load(picked: readonly { name: string; bytes: Uint8Array }[]): Promise<string | undefined> {
    const added = picked.map((p) => schemaFileOf(p.name, p.bytes));
    const names = new Set(added.map((f) => f.name));
    return this.compile([...this.files.filter((f) => !names.has(f.name)), ...added], this.origin, true);
  }

  remove(name: string): Promise<string | undefined> {
    return this.compile(
      this.files.filter((f) => f.name !== name),
      this.origin,
      true,
    );
  }

  /** The origin's stored schema (or none): replaces whatever was loaded. */
  restore(origin: string | undefined, stored: StoredProtobuf | undefined): Promise<string | undefined> {
    this.origin = origin;
    this.files = [];
    this.schema = undefined;
    this.sockets = stored?.version === 1 ? { ...stored.sockets } : {};
    const files = stored?.version === 1 ? stored.files : [];
    this.update({ error: undefined, loading: files.length > 0 });
    return files.length ? this.compile(files, origin, false) : Promise.resolve(undefined);
  }

  stored(): StoredProtobuf {
    return { version: 1, files: this.files, sockets: this.sockets };
  }

  setType(url: string, direction: 'sent' | 'received', type: string | undefined): void {
    const key = socketUrlKey(url);
    const cur = this.sockets[key] ?? { on: true };
    const next: SocketTypes = { ...cur, on: true };
    if (type) next[direction] = type;
    else delete next[direction];
    this.sockets = { ...this.sockets, [key]: next };
    this.update();
  }

  /** Whether this URL's sockets are decoded with the schema: on when chosen in "decode as", off when another is. */
  use(url: string, on: boolean): void {
    const key = socketUrlKey(url);
    const cur = this.sockets[key];
    if ((cur?.on ?? false) === on) return;
    this.sockets = { ...this.sockets, [key]: { ...cur, on } };
    this.update();
  }

  requestPane(): void {
    this.update({ paneRequests: this.view.paneRequests + 1 });
  }

  typesFor(url: string): SocketTypes | undefined {
    return this.sockets[socketUrlKey(url)];
  }

  /** Any URL whose sockets are decoded on sight: new sockets need a look. */
  anyOn(): boolean {
    for (const k in this.sockets) if (this.sockets[k].on) return true;
    return false;
  }

  /** The schema decoder for a socket, bound to its URL's types (a type missing from the schema reads raw). */
  protocolFor(url: string): Protocol {
    const t = this.typesFor(url);
    const find = (name: string | undefined) => {
      if (!name || !this.schema) return undefined;
      try {
        return this.schema.root.lookupType(`.${name}`);
      } catch {
        return undefined;
      }
    };
    return schemaProtocol({ sent: find(t?.sent), received: find(t?.received) });
  }
}
