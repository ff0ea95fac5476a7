"""The smallest complete client: ImportBatch (Arrow written by pyarrow) + Train + WatchStatus + Recommend.

Generate the Python stubs from the proto once (grpcio-tools), then run it against a server
(`npm start` serves 127.0.0.1:50051):

  python -m grpc_tools.protoc -I proto --python_out=examples/python/gen \
      --grpc_python_out=examples/python/gen proto/recommender/v1/recommender.proto
  PYTHONPATH=examples/python/gen python examples/python/quickstart.py [host:port] [api-key]

Needs grpcio, grpcio-tools and pyarrow (test/interop/requirements.txt). Prints what it does and ends
with one line `RESULT {json}`; exit 0 when the model trained and recommended.
"""
import io
import json
import sys

import grpc
import pyarrow as pa

from recommender.v1 import recommender_pb2 as pb
from recommender.v1 import recommender_pb2_grpc as pb_grpc

# Arrow bytes go in chunks of 1 MiB: well below gRPC's 4 MiB default message size. Chunk boundaries are
# arbitrary; the server reads the concatenation as one Arrow IPC stream.
CHUNK_BYTES = 1 << 20


def interactions() -> pa.Table:
    """Who interacted with what. Ids are strings: your own ids, as they are (no integer re-coding)."""
    users, items, weights = [], [], []
    for u in range(60):
        for j in range(8):
            users.append(f"user-{u}")
            items.append(f"item-{(u * 7 + j * 5) % 45}")
            weights.append(1.0 + (u + j) % 3)
    return pa.table({
        "source_id": pa.array(users, pa.string()),
        "target_id": pa.array(items, pa.string()),
        "weight": pa.array(weights, pa.float32()),
    })


def arrow_stream_bytes(table: pa.Table) -> bytes:
    """The table as Arrow IPC *stream* format (not the file format), uncompressed."""
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def import_batch(stub, table: pa.Table, tags, metadata):
    """One ImportBatch call: the header first, then the Arrow bytes in chunks."""
    data = arrow_stream_bytes(table)

    def requests():
        yield pb.ImportBatchRequest(header=pb.ImportBatchHeader(kind=pb.INTERACTIONS, tags=tags))
        for i in range(0, len(data), CHUNK_BYTES):
            yield pb.ImportBatchRequest(arrow_chunk=data[i:i + CHUNK_BYTES])

    return stub.ImportBatch(requests(), metadata=metadata)


def main() -> int:
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051"
    metadata = [("x-api-key", sys.argv[2])] if len(sys.argv) > 2 else []
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.RecommenderStub(channel)

        batch = import_batch(stub, interactions(), ["quickstart"], metadata)
        print(f"imported batch {batch.batch_id}: {batch.interaction_count} interactions, "
              f"{batch.distinct_source_count} sources, {batch.distinct_target_count} targets")

        started = stub.Train(pb.TrainRequest(
            model_id="quickstart", data_tags=["quickstart"],
            hyperparameters=pb.Hyperparameters(factors=16, iterations=5),
        ), metadata=metadata)
        print(f"training job {started.job_id} {pb.JobStatus.Name(started.status)}")

        final = started
        for status in stub.WatchStatus(pb.WatchStatusRequest(job_id=started.job_id), metadata=metadata):
            if not status.heartbeat:
                loss = f" loss {status.loss:.4g}" if status.HasField("loss") else ""
                print(f"  {pb.JobStatus.Name(status.status)} {status.progress:5.1f}% it {status.iteration}/{status.total_iterations}{loss}")
            final = status
        if final.status != pb.COMPLETED:
            print(f"training ended {pb.JobStatus.Name(final.status)}: {final.error}")
            return 1

        res = stub.Recommend(pb.RecommendRequest(model_id="quickstart", source_id="user-1", max_recommendations=5), metadata=metadata)
        top = [(r.target_id, round(r.score, 4)) for r in res.results[0].recommendations]
        print(f"user-1 [{res.results[0].strategy}]: {top}")
        print("RESULT " + json.dumps({
            "batch_id": batch.batch_id, "interactions": batch.interaction_count, "job_id": final.job_id,
            "status": pb.JobStatus.Name(final.status), "strategy": res.results[0].strategy,
            "recommendations": [t for t, _ in top],
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
