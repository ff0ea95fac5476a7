"""Reads an ExportModel Arrow IPC stream file with pyarrow and prints what the test compares, as JSON:
the schema (field names, types, nullability), the schema metadata, and per side the ids in order and the
SHA-256 of the factors as row-major little-endian float32 bytes."""
import hashlib
import json
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

with open(sys.argv[1], "rb") as f:
    table = pa.ipc.open_stream(f).read_all()
table.validate(full=True)
out = {
    "fields": [[fl.name, str(fl.type), fl.nullable] for fl in table.schema],
    "metadata": {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()},
    "batches": len(table.to_batches()),
    "sides": {},
}
k = table.schema.field("factors").type.list_size
for side in ("source", "target"):
    part = table.filter(pc.equal(table["side"], side))
    flat = part["factors"].combine_chunks().flatten().to_numpy(zero_copy_only=False).astype("<f4", copy=False)
    assert flat.size == part.num_rows * k
    out["sides"][side] = {"ids": part["id"].to_pylist(), "sha256": hashlib.sha256(np.ascontiguousarray(flat).tobytes()).hexdigest()}
print(json.dumps(out))
