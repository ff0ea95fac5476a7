#!/usr/bin/env python3
"""Peer for bench/serving-kernel.ts: benfred/implicit's ALS `recommend` for one user at a time
(filter_already_liked_items=True, N=10) on random factors of the same shape, single-threaded BLAS.
  OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/serving_peer.py <targets> <factors> <seen_per_user> <queries>
Prints one JSON line: mean / p50 / p99 ms per query."""
import json, sys, time
import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares

n, k, seen, q = (int(a) for a in sys.argv[1:5])
m = 1000
rng = np.random.default_rng(1)
model = AlternatingLeastSquares(factors=k, random_state=1, num_threads=1)
model.user_factors = ((rng.random((m, k), dtype=np.float32) - 0.5) * 0.2)
model.item_factors = ((rng.random((n, k), dtype=np.float32) - 0.5) * 0.2)
rows = np.repeat(np.arange(m), seen)
cols = rng.integers(0, n, size=m * seen)
ui = sp.csr_matrix((np.ones(m * seen, dtype=np.float32), (rows, cols)), shape=(m, n))
for u in range(20):
    model.recommend(u, ui[u], N=10, filter_already_liked_items=True)
lat = []
for j in range(q):
    u = j % m
    t0 = time.perf_counter()
    model.recommend(u, ui[u], N=10, filter_already_liked_items=True)
    lat.append((time.perf_counter() - t0) * 1000)
lat.sort()
print(json.dumps({"peer": "implicit " + __import__("implicit").__version__, "targets": n, "factors": k,
                  "meanMs": round(sum(lat) / len(lat), 3), "p50ms": round(lat[len(lat) // 2], 3), "p99ms": round(lat[int(len(lat) * 0.99)], 3)}))
