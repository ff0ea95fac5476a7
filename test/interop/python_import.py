"""Interop: a Python client (grpcio + pyarrow) imports Arrow written by pyarrow's own IPC writer, then lists it.

usage: python3 python_import.py <host:port> <repo root> [api key]
Prints one JSON object: {"imported": <Batch as dict>, "listed": [<Batch as dict>...], "retry_same_id": bool}.
"""
import io
import json
import os
import subprocess
import sys
import tempfile

import grpc
import pyarrow as pa
from google.protobuf.json_format import MessageToDict


def stubs(repo_root):
    out = tempfile.mkdtemp(prefix="rec-pystubs-")
    proto_dir = os.path.join(repo_root, "proto")
    subprocess.check_call([
        sys.executable, "-m", "grpc_tools.protoc", "-I", proto_dir,
        "--python_out", out, "--grpc_python_out", out,
        os.path.join(proto_dir, "recommender", "v1", "recommender.proto"),
    ])
    sys.path.insert(0, out)
    from recommender.v1 import recommender_pb2, recommender_pb2_grpc  # noqa: E402
    return recommender_pb2, recommender_pb2_grpc


def arrow_bytes():
    n = 2500
    table = pa.table({
        "source_id": pa.array([f"py-user-{i % 50}" for i in range(n)]).dictionary_encode(),
        "target_id": pa.array([f"py-item-{i % 300}" for i in range(n)], type=pa.large_string()),
        "type": pa.array(["click" if i % 3 else None for i in range(n)]),
        "timestamp": pa.array([1_700_000_000_000_000 + i * 1000 if i % 10 else None for i in range(n)], type=pa.timestamp("us", tz="UTC")),
        "weight": pa.array([float(i % 5) for i in range(n)], type=pa.float64()),
        "metadata": pa.array(['{"source":"python"}'] * n),
    })
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=1000):
            writer.write_batch(batch)
    return sink.getvalue()


def main():
    address, repo_root = sys.argv[1], sys.argv[2]
    metadata = [("x-api-key", sys.argv[3])] if len(sys.argv) > 3 else []
    pb, pb_grpc = stubs(repo_root)
    data = arrow_bytes()
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.RecommenderStub(channel)

        def requests():
            yield pb.ImportBatchRequest(header=pb.ImportBatchHeader(kind=pb.INTERACTIONS, tags=["python", "interop"], request_id="py-1"))
            for i in range(0, len(data), 10_007):
                yield pb.ImportBatchRequest(arrow_chunk=data[i:i + 10_007])

        imported = stub.ImportBatch(requests(), metadata=metadata)
        again = stub.ImportBatch(requests(), metadata=metadata)
        listed = stub.ListBatches(pb.ListBatchesRequest(tags=["python", "interop"]), metadata=metadata)
    to_dict = lambda m: MessageToDict(m, preserving_proto_field_name=True)
    print(json.dumps({
        "imported": to_dict(imported),
        "listed": [to_dict(b) for b in listed.batches],
        "retry_same_id": again.batch_id == imported.batch_id,
    }))


if __name__ == "__main__":
    main()
