import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType } from '../gen/recommender.js';

/** Must match the flags of `npm run gen` (proto-loader-gen-types), so the generated types are true. */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export const PROTO_PATH = fileURLToPath(new URL('../../proto/recommender/v1/recommender.proto', import.meta.url));

let cached: { packageDefinition: PackageDefinition; proto: ProtoGrpcType } | undefined;

export function loadProto(): { packageDefinition: PackageDefinition; proto: ProtoGrpcType } {
  if (!cached) {
    const packageDefinition = loadSync(PROTO_PATH, PROTO_LOADER_OPTIONS);
    const proto = loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType & GrpcObject;
    cached = { packageDefinition, proto };
  }
  return cached;
}
