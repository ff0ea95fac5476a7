#!/usr/bin/env node
// Container health check: asks the server's grpc.health.v1.Health/Check (overall status, service "")
// on loopback. Exit 0 when SERVING, 1 otherwise. No tsx, no network beyond 127.0.0.1.
// Port: RECOMMENDER_PORT (default 50051). TLS when RECOMMENDER_TLS_CERT is set (the server's own cert is
// trusted; the host name is not checked, since the probe dials 127.0.0.1).
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

const port = Number(process.env.RECOMMENDER_PORT || 50051);
const service = process.argv[2] ?? '';
const cert = process.env.RECOMMENDER_TLS_CERT;
const creds = cert
  ? grpc.credentials.createSsl(readFileSync(cert), null, null, { checkServerIdentity: () => undefined })
  : grpc.credentials.createInsecure();
const { grpc: { health: { v1 } } } = grpc.loadPackageDefinition(loadSync(protoPath, { keepCase: true, enums: String }));
const client = new v1.Health(`127.0.0.1:${port}`, creds);
client.Check({ service }, { deadline: Date.now() + 4000 }, (err, res) => {
  if (err) {
    console.error(`unhealthy: ${err.code} ${err.details || err.message}`);
    process.exit(1);
  }
  console.log(res.status);
  process.exit(res.status === 'SERVING' ? 0 : 1);
});
