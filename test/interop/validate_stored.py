"""Full validation of stored batch files by pyarrow: argv = the files (Arrow IPC stream format, as the server
stores them). Prints a JSON object {"checked": n, "rows": total rows, "failures": [[file, error], ...]}."""
import json
import sys

import pyarrow as pa

failures = []
rows = 0
for path in sys.argv[1:]:
    try:
        with pa.memory_map(path) as source:
            table = pa.ipc.open_stream(source).read_all()
        table.validate(full=True)
        rows += table.num_rows
    except Exception as e:  # noqa: BLE001 - every failure is reported
        failures.append([path, f"{type(e).__name__}: {e}"])
print(json.dumps({"checked": len(sys.argv) - 1, "rows": rows, "failures": failures}))
