#!/usr/bin/env python3
"""Peer benchmark: benfred/implicit's CPU ALS (conjugate gradient) on the SAME data as our engine.

Reads the csr-v1 directory written by bench/synthetic.ts (header.json, indptr.i32, indices.i32, data.f32),
turns weights w into confidences c = 1 + alpha * w exactly as our engine does, and hands implicit the
confidences with implicit's own alpha = 1.0 (implicit uses the matrix values as confidence directly, scaled
by its alpha), so both minimise the same objective. implicit.cpu.als.AlternatingLeastSquares with
use_cg=True, cg_steps set through the model attribute (implicit has no constructor argument for it),
num_threads=2 (or --threads), calculate_training_loss=False (its default).

Timing: fit(callback=...) reports each iteration's wall time (both half-sweeps, measured by implicit around
its two solver calls); we report the median over iterations, the first one included in 'all'.
CPU s/iteration: process user+system time (all threads) between callbacks (the first includes setup).
Peak RSS: resource.getrusage(RUSAGE_SELF).ru_maxrss after fit (KiB on Linux), whole process.

Run with OPENBLAS_NUM_THREADS=1 and without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (bench/speed.ts does):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/implicit_peer.py \
      --data /tmp/syn1m --factors 64 --iterations 5 --cg-steps 3 --threads 2
With --save-factors DIR it writes the trained factors (user.f32, item.f32: row-major float32) for
bench/speed.ts to score with the same loss and P@10 code as ours. Prints one JSON line.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import scipy.sparse as sp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--cg-steps", type=int, default=3)
    ap.add_argument("--regularization", type=float, default=0.01)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save-factors", default="", help="directory: writes user.f32 and item.f32 (row-major float32) after fit")
    a = ap.parse_args()

    from threadpoolctl import threadpool_limits
    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    with open(os.path.join(a.data, "header.json")) as f:
        h = json.load(f)
    indptr = np.fromfile(os.path.join(a.data, "indptr.i32"), dtype="<i4")
    indices = np.fromfile(os.path.join(a.data, "indices.i32"), dtype="<i4")
    w = np.fromfile(os.path.join(a.data, "data.f32"), dtype="<f4")
    conf = (1.0 + a.alpha * w.astype(np.float64)).astype(np.float32)
    m = sp.csr_matrix((conf, indices, indptr), shape=(h["rows"], h["cols"]))

    times = []
    cpu = []

    def on_iteration(_it, elapsed, _loss):
        times.append(elapsed)
        r = resource.getrusage(resource.RUSAGE_SELF)
        cpu.append(r.ru_utime + r.ru_stime)
    with threadpool_limits(limits=1, user_api="blas"):
        model = AlternatingLeastSquares(
            factors=a.factors,
            regularization=a.regularization,
            alpha=1.0,
            iterations=a.iterations,
            use_cg=True,
            use_native=True,
            calculate_training_loss=False,
            num_threads=a.threads,
            random_state=a.seed,
        )
        model.cg_steps = a.cg_steps
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        cpu0 = r0.ru_utime + r0.ru_stime
        t0 = time.perf_counter()
        model.fit(m, show_progress=False, callback=on_iteration)
        total = time.perf_counter() - t0
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if a.save_factors:
        os.makedirs(a.save_factors, exist_ok=True)
        np.ascontiguousarray(model.user_factors, dtype=np.float32).tofile(os.path.join(a.save_factors, "user.f32"))
        np.ascontiguousarray(model.item_factors, dtype=np.float32).tofile(os.path.join(a.save_factors, "item.f32"))
    print(
        json.dumps(
            {
                "peer": f"implicit {implicit.__version__}",
                "threads": a.threads,
                "rows": h["rows"],
                "cols": h["cols"],
                "nnz": int(indptr[-1]),
                "factors": a.factors,
                "cg_steps": a.cg_steps,
                "iterations": a.iterations,
                "s_per_iter_median": statistics.median(times),
                "s_per_iter_all": times,
                "fit_s": total,
                "cpu_s_per_iter_median": statistics.median(
                    [c - (cpu[i - 1] if i else cpu0) for i, c in enumerate(cpu)]
                ),
                "peak_rss_mib": rss_kib / 1024.0,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
