import { credentials as grpcCredentials, loadPackageDefinition, type ChannelCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/** A grpc.health.v1 client (the standard proto shipped by grpc-health-check). */
export function healthClient(address: string, creds: ChannelCredentials = grpcCredentials.createInsecure()) {
  const def = loadSync(healthProtoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(def) as any;
  return new pkg.grpc.health.v1.Health(address, creds);
}

export function checkHealth(client: any, service = '', deadlineMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => client.Check({ service }, { deadline: Date.now() + deadlineMs }, (err: Error | null, res: any) => (err ? reject(err) : resolve(res.status))));
}
