/**
 * Loading a protobuf schema in the panel: `.proto` files parsed by protobufjs's full build, and binary descriptor
 * sets (`FileDescriptorSet`, from `protoc --descriptor_set_out` or `buf build -o`) read through
 * `protobufjs/ext/descriptor`. The full build is ~200 kB, so it is imported on first use, not at the panel's start.
 *
 * Extension pages may not run `new Function` (MV3's CSP has no 'unsafe-eval'), which protobufjs uses to generate
 * every `decode` and `toObject`. Parsing `.proto` text and resolving types do not generate code; reading a descriptor
 * set does (it decodes `FileDescriptorSet` bytes), so the descriptor types' `decode` and `toObject` are replaced
 * here by the reflection-walking decoder of ../decoders/protobufSchema.ts, which needs no generated code.
 */
import type * as PB from 'protobufjs';
import { decodeTyped, type Style } from '../decoders/protobufSchema';
import { loadProtobufReader } from '../decoders/protobuf';
import { base64ToBytes } from '../lib/base64';

export interface ProtobufLib {
  pb: typeof PB;
  descriptor: { FileDescriptorSet: PB.Type; root: PB.Root };
  /** google/protobuf/descriptor.proto as protobufjs JSON, for .proto files that import it (custom options) */
  descriptorJson: PB.INamespace;
}

/** A schema file as loaded and as stored: `.proto` source text, or a descriptor set's bytes as base64. */
export interface SchemaFile {
  name: string;
  proto?: string;
  descriptor?: string;
}

export interface Schema {
  root: PB.Root;
  /** every message type's full name (no leading dot), the user's first and google.protobuf's last */
  types: string[];
  /** per loaded file: what it holds, for the files list (a descriptor set: the .proto files inside it) */
  details: Record<string, string>;
}

let lib: Promise<ProtobufLib> | undefined;

/** The full protobufjs build and its descriptor extension, loaded once, on first use. */
export function loadProtobufLib(): Promise<ProtobufLib> {
  lib ??= Promise.all([import('protobufjs'), import('protobufjs/ext/descriptor'), import('protobufjs/google/protobuf/descriptor.json'), loadProtobufReader()]).then(
    ([pbModule, descModule, json]) => {
      const pb = ((pbModule as unknown as { default?: typeof PB }).default ?? pbModule) as typeof PB;
      const descriptor = ((descModule as { default?: unknown }).default ?? descModule) as ProtobufLib['descriptor'];
      withoutCodegen(descriptor.root);
      return { pb, descriptor, descriptorJson: ((json as { default?: unknown }).default ?? json) as PB.INamespace };
    },
  );
  return lib;
}

/** how protobufjs's own descriptor code expects decoded messages: numbers for enums, defaults on the prototype */
const DESCRIPTOR_STYLE: Style = { enums: 'number', longs: 'number', bytes: 'raw', oneofs: false, prototypeDefaults: true, unknown: false };

/** Give every descriptor type a `decode` and `toObject` that need no `new Function` (see the top of this file). */
function withoutCodegen(ns: PB.NamespaceBase): void {
  for (const o of ns.nestedArray) {
    if ('fieldsArray' in o) {
      const type = o as PB.Type;
      const decode = (input: PB.Reader | Uint8Array) => {
        const bytes = input instanceof Uint8Array ? input : input.buf.subarray(input.pos, input.len);
        const { value, error } = decodeTyped(type, bytes, DESCRIPTOR_STYLE);
        if (error) throw new Error(`not a ${type.name}: ${error.message}`);
        return value;
      };
      // what decode returns is already what toObject would make of it, as protobufjs's descriptor code reads it
      const toObject = (m: unknown) => m;
      // accessors that ignore assignment: where code generation works (Node), protobufjs's setup() would install
      // its generated pair over these the first time anything encodes a descriptor (in the panel, it cannot)
      Object.defineProperty(type, 'decode', { configurable: true, get: () => decode, set: () => undefined });
      Object.defineProperty(type, 'toObject', { configurable: true, get: () => toObject, set: () => undefined });
    }
    if ('nestedArray' in o) withoutCodegen(o as PB.NamespaceBase);
  }
}

/** Whether a file is a descriptor set: by its name, else by not being text. */
export function isDescriptorName(name: string): boolean {
  return /\.(pb|desc|binpb|bin|protoset|dsc)$/i.test(name);
}

/** "chat.proto, line 3: illegal token 'x'" from protobufjs's "illegal token 'x' (chat.proto, line 3)" */
function parseErrorText(name: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /^(.*) \((?:(.+), )?line (\d+)\)$/.exec(msg);
  return m ? `${m[2] ?? name}, line ${m[3]}: ${m[1]}` : `${name}: ${msg}`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A bundled well-known type file (google/protobuf/timestamp.proto and the like) for an import, if there is one. */
function bundled(l: ProtobufLib, path: string): PB.INamespace | undefined {
  const i = path.lastIndexOf('google/protobuf/');
  const name = i >= 0 ? path.slice(i) : path;
  if (name === 'google/protobuf/descriptor.proto') return l.descriptorJson;
  return (l.pb.common as unknown as { get(file: string): PB.INamespace | null }).get(name) ?? undefined;
}

function messageTypes(ns: PB.NamespaceBase, out: string[]): string[] {
  for (const o of ns.nestedArray) {
    if ('fieldsArray' in o) out.push(o.fullName.replace(/^\./, ''));
    if ('nestedArray' in o) messageTypes(o as PB.NamespaceBase, out);
  }
  return out;
}

/**
 * All the files as one schema: descriptor sets first (merged, a file that two sets hold counted once), then every
 * `.proto` parsed into the same root, so imports between loaded files resolve by name whatever their order.
 * Throws nothing: a failure says which file and where.
 */
export function compileSchema(l: ProtobufLib, files: readonly SchemaFile[]): { ok: true; schema: Schema } | { ok: false; error: string } {
  const { pb } = l;
  const details: Record<string, string> = {};
  let root: PB.Root;
  const sets = files.filter((f) => f.descriptor !== undefined);
  const inDescriptors = new Set<string>();
  try {
    if (sets.length) {
      // again each time: where code generation works (Node), protobufjs replaces a type's decode once it builds the
      // type's message class, and anything may have done that since the library loaded
      withoutCodegen(l.descriptor.root);
      const merged: { file: { name: string }[] } = { file: [] };
      for (const f of sets) {
        let set: { file: { name: string }[] };
        try {
          set = l.descriptor.FileDescriptorSet.decode(base64ToBytes(f.descriptor!)) as unknown as typeof set;
        } catch (e) {
          return { ok: false, error: `${f.name} is not a descriptor set (FileDescriptorSet): ${(e as Error).message.replace(/^not a \w+: /, '')}` };
        }
        const names = set.file.map((d) => d.name);
        details[f.name] = names.length ? names.join(', ') : 'no files';
        for (const d of set.file) {
          if (inDescriptors.has(d.name)) continue;
          inDescriptors.add(d.name);
          merged.file.push(d);
        }
      }
      try {
        root = (pb.Root as unknown as { fromDescriptor(d: unknown, o: { keepCase: boolean }): PB.Root }).fromDescriptor(merged, { keepCase: true });
      } catch (e) {
        return { ok: false, error: `${sets.map((f) => f.name).join(', ')}: ${(e as Error).message}${/no such type/.test(String(e)) ? ' (build the set with --include_imports)' : ''}` };
      }
    } else root = new pb.Root();

    const loaded = new Set(files.map((f) => f.name));
    const loadedBase = new Set(files.map((f) => baseName(f.name)));
    const added = new Set<string>();
    for (const f of files) {
      if (f.proto === undefined) continue;
      let parsed: PB.IParserResult;
      // protobufjs names the file in its errors from this module-level setting
      const parse = pb.parse as typeof pb.parse & { filename: string | null };
      try {
        parse.filename = f.name;
        parsed = parse(f.proto, root, { keepCase: true, alternateCommentMode: true });
      } catch (e) {
        return { ok: false, error: parseErrorText(f.name, e) };
      } finally {
        parse.filename = null;
      }
      const parts = [parsed.package ? `package ${parsed.package}` : 'no package'];
      for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
        if (loaded.has(imp) || loadedBase.has(baseName(imp)) || inDescriptors.has(imp)) continue;
        const wkt = bundled(l, imp);
        if (!wkt) return { ok: false, error: `${f.name} imports "${imp}", which is not loaded: load it too` };
        if (!added.has(imp)) {
          added.add(imp);
          root.addJSON(wkt.nested ?? {});
        }
      }
      details[f.name] = parts.join('');
    }
    root.resolveAll();
  } catch (e) {
    return { ok: false, error: `The schema does not resolve: ${(e as Error).message}` };
  }
  const types = messageTypes(root, []);
  const wkt = (t: string) => t.startsWith('google.protobuf.');
  types.sort((a, b) => Number(wkt(a)) - Number(wkt(b)) || a.localeCompare(b));
  for (const f of files) if (f.proto !== undefined) details[f.name] = `${details[f.name]}, ${countTypes(root, f.name)} message types`;
  return { ok: true, schema: { root, types, details } };
}

function countTypes(root: PB.Root, file: string): number {
  let n = 0;
  const walk = (ns: PB.NamespaceBase) => {
    for (const o of ns.nestedArray) {
      if ('fieldsArray' in o && o.filename === file) n++;
      if ('nestedArray' in o) walk(o as PB.NamespaceBase);
    }
  };
  walk(root);
  return n;
}
