import type { PackageDefinition } from '@grpc/proto-loader';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';

/* The descriptor extension's typings describe its messages loosely; these are the parts used here. */
interface DescriptorCodec { decode(b: Uint8Array): FileDesc; encode(f: FileDesc): { finish(): Uint8Array } }
interface FieldDesc { name: string; typeName?: string }
interface MessageDesc { name: string; field?: FieldDesc[]; nestedType?: MessageDesc[]; enumType?: { name: string }[]; options?: { mapEntry?: boolean } }
interface FileDesc {
  name: string; package?: string; dependency?: string[];
  messageType?: MessageDesc[]; enumType?: { name: string }[];
  service?: { name: string; method?: { inputType?: string; outputType?: string }[] }[];
}
const FileDescriptorProto = (descriptorExt as unknown as { FileDescriptorProto: DescriptorCodec }).FileDescriptorProto;

/**
 * proto-loader builds one FileDescriptorProto per package ("recommender_v1.proto", "google_protobuf.proto")
 * and leaves their `dependency` lists empty, so reflection clients that link descriptors by their
 * declared dependencies (grpcurl, ghz) fail on `.google.protobuf.Timestamp`. This fills in each file's
 * dependencies from the types it references. protobufjs also names map entry types after the field as
 * written ("Type_weightsEntry"), where descriptor consumers require protoc's name ("TypeWeightsEntry");
 * those are renamed. Everything else is left as proto-loader made it.
 */
export function withDeclaredDependencies(def: PackageDefinition): PackageDefinition {
  const files = new Map<string, FileDesc>();
  for (const entry of Object.values(def)) {
    const protos = (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos;
    if (!Array.isArray(protos)) continue;
    for (const bin of protos) {
      const f = FileDescriptorProto.decode(bin);
      if (!files.has(f.name)) files.set(f.name, f);
    }
  }
  for (const f of files.values()) fixMapEntryNames(f.package ? `.${f.package}` : '', f.messageType);
  const owner = new Map<string, string>();
  const defineMessages = (prefix: string, msgs: MessageDesc[] | undefined, file: string) => {
    for (const m of msgs ?? []) {
      owner.set(`${prefix}.${m.name}`, file);
      for (const e of m.enumType ?? []) owner.set(`${prefix}.${m.name}.${e.name}`, file);
      defineMessages(`${prefix}.${m.name}`, m.nestedType, file);
    }
  };
  for (const f of files.values()) {
    const prefix = f.package ? `.${f.package}` : '';
    defineMessages(prefix, f.messageType, f.name);
    for (const e of f.enumType ?? []) owner.set(`${prefix}.${e.name}`, f.name);
  }
  const encoded = new Map<string, Uint8Array>();
  for (const f of files.values()) {
    const refs: string[] = [];
    const collect = (msgs: MessageDesc[] | undefined) => {
      for (const m of msgs ?? []) {
        for (const field of m.field ?? []) if (field.typeName) refs.push(field.typeName);
        collect(m.nestedType);
      }
    };
    collect(f.messageType);
    for (const s of f.service ?? []) for (const m of s.method ?? []) refs.push(m.inputType ?? '', m.outputType ?? '');
    const deps = new Set(f.dependency ?? []);
    for (const ref of refs) {
      const file = owner.get(ref.startsWith('.') ? ref : `.${ref}`);
      if (file && file !== f.name) deps.add(file);
    }
    f.dependency = [...deps].sort();
    encoded.set(f.name, FileDescriptorProto.encode(f).finish());
  }
  const out: PackageDefinition = {};
  for (const [name, entry] of Object.entries(def)) {
    const protos = (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos;
    out[name] = Array.isArray(protos)
      ? { ...entry, fileDescriptorProtos: protos.map((bin) => encoded.get(FileDescriptorProto.decode(bin).name)!) } as typeof entry
      : entry;
  }
  return out;
}

/** protoc's map entry name for a field: `type_weights` -> `TypeWeightsEntry`. */
function mapEntryName(field: string): string {
  return `${field.replace(/(^|_)([a-z0-9])/g, (_m, _u, c: string) => c.toUpperCase())}Entry`;
}

function fixMapEntryNames(prefix: string, msgs: MessageDesc[] | undefined): void {
  for (const m of msgs ?? []) {
    const scope = `${prefix}.${m.name}`;
    for (const nested of m.nestedType ?? []) {
      if (!nested.options?.mapEntry) continue;
      const field = (m.field ?? []).find((f) => f.typeName === `${scope}.${nested.name}` || f.typeName === nested.name);
      if (!field) continue;
      const wanted = mapEntryName(field.name);
      if (wanted === nested.name) continue;
      nested.name = wanted;
      field.typeName = `${scope}.${wanted}`;
    }
    fixMapEntryNames(scope, m.nestedType);
  }
}
