#!/usr/bin/env python3
"""Spark MLlib ALS driver of recommender-engine: the service's `spark` trainer runs it as a child process.

Part of the recommender.v1 contract (proto/recommender/v1/recommender.proto, Hyperparameters.backend
"spark"); the job spec it reads and the events it writes are versioned by SPEC_VERSION together with
src/service/spark/job-spec.ts, which is their other half. Run as

    python spark/driver.py SPEC.json                      (pyspark in that interpreter launches the JVM)
    spark-submit [--master M] spark/driver.py SPEC.json   (a Spark installation's own launcher)

It reads the aggregated interactions (source_index int, target_index int, weight float: ids already
dense int32 indices, duplicates summed) from the spec's `input` Parquet, fits
pyspark.ml.recommendation.ALS(implicitPrefs=True) with the spec's parameters, writes the user and item
factors (id int, features array<float>) as Parquet under `output`, and a manifest.json beside them in
the local output directory. With a remote staging location (s3a://, hdfs://, file://, ...) it first
copies the local input there and afterwards the factors back, with the cluster's Hadoop filesystem
(over Spark Connect: pyarrow.fs). Progress goes to stdout as JSON lines tagged "recommender_spark";
anything else on stdout or stderr is Spark's own output.

It dies with the service: a watchdog thread polls the service's pid (`parentPid`) and, once that is
gone, kills the driver's process group (the service starts it as a group of its own, and the JVM is a
member of it), so no Spark application outlives a server killed with -9.

Over Spark Connect (master sc://host:port) the driver is only a client: the fit runs in the Connect
server's application, and it goes on there when the client merely dies. So a SIGTERM (the service's
cancel) and the watchdog first interrupt the session's operations (SparkSession.interruptAll) and release
the session, then exit. The server must have a checkpoint directory (spark.checkpoint.dir) for ALS to
checkpoint; without one a long fit overflows the stack of the server's JVM (the driver warns).
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from typing import Any, Optional, TypedDict

SPEC_VERSION = 1
JOB_GROUP = "recommender-als"
# Implicit ALS runs one `aggregate` job per half-sweep (the other side's Gram Y^T Y, ALS.computeYtY).
GRAM_STAGE = "aggregate at ALS.scala"


class AlsParams(TypedDict):
    rank: int
    maxIter: int
    regParam: float
    alpha: float
    implicitPrefs: bool
    seed: int
    checkpointInterval: int
    numUserBlocks: int
    numItemBlocks: int


class Copy(TypedDict):
    source: str
    target: str


class JobSpec(TypedDict):
    version: int
    master: str
    appName: str
    conf: dict[str, str]
    input: str
    output: str
    checkpointDir: Optional[str]
    upload: Optional[Copy]
    download: Optional[Copy]
    remoteRoot: Optional[str]
    keepOnFailure: bool
    manifest: str
    parentPid: int
    als: AlsParams


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"recommender_spark": SPEC_VERSION, "event": event, **fields}) + "\n")
    sys.stdout.flush()


def read_spec(path: str) -> JobSpec:
    with open(path, encoding="utf-8") as f:
        spec: JobSpec = json.load(f)
    if spec.get("version") != SPEC_VERSION:
        raise ValueError(f"job spec version {spec.get('version')!r}; this driver reads version {SPEC_VERSION} (driver and service must come from the same release)")
    return spec


# Over Spark Connect: what ends the remote session's work (set once the session exists; see RemoteSession).
_remote: Optional["RemoteSession"] = None


class RemoteSession:
    """Ends a Spark Connect session's work on the server: interrupts its operations (and releases it)."""

    GRACE_S = 5.0

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.lock = threading.Lock()
        self.interrupted = False

    def interrupt(self, release: bool) -> None:
        """Interrupts the session's operations (once), then with `release` ends the session; bounded by GRACE_S."""
        with self.lock:
            if self.interrupted:
                return
            self.interrupted = True

        def stop() -> None:
            try:
                ids = self.spark.interruptAll()
                sys.stderr.write(f"recommender driver: interrupted the Spark Connect operations {ids}\n")
                if release:
                    self.spark.stop()
            except Exception as err:  # noqa: BLE001 - best effort, the process ends anyway
                sys.stderr.write(f"recommender driver: could not interrupt the Spark Connect session: {err}\n")

        t = threading.Thread(target=stop, name="connect-interrupt", daemon=True)
        t.start()
        t.join(self.GRACE_S)

    def on_sigterm(self, signum: int, _frame: Any) -> None:
        # The main thread may be blocked in the fit's gRPC call: interrupt from a thread of our own. The
        # interrupted call raises in the main thread, which cleans up (remote staging, session) and exits;
        # should it not within the grace, this thread ends the process.
        def cancel() -> None:
            self.interrupt(release=False)
            time.sleep(2 * self.GRACE_S)
            os._exit(128 + signum)

        threading.Thread(target=cancel, name="connect-cancel", daemon=True).start()


def watch_parent(pid: int) -> None:
    """Kills this process group once the service `pid` is gone (see the module comment)."""
    own_group = os.getpgrp()
    try:
        shares_group = os.getpgid(pid) == own_group
    except ProcessLookupError:
        os._exit(3)  # the service is already gone

    def loop() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                if _remote is not None:
                    _remote.interrupt(release=True)
                # Started by hand in the caller's own group: end only this process (its JVM follows it).
                if shares_group:
                    os._exit(3)
                os.killpg(own_group, signal.SIGKILL)
            except PermissionError:
                pass

    threading.Thread(target=loop, name="parent-watchdog", daemon=True).start()


def spark_message(err: BaseException) -> str:
    """Spark's own message: the Java exception of a py4j error, else the Python one."""
    java = getattr(err, "java_exception", None)
    if java is not None:
        try:
            text = str(java.toString())
            cause = java.getCause()
            while cause is not None and cause.getCause() is not None:
                cause = cause.getCause()
            if cause is not None and str(cause.toString()) not in text:
                text += f" (caused by {cause.toString()})"
            return text
        except Exception:  # the JVM is gone: fall back to what py4j kept
            pass
    text = str(err).strip() or type(err).__name__
    return text if type(err).__name__ in text else f"{type(err).__name__}: {text}"


class Staging:
    """Copies between the local directories the service uses and a remote staging URI."""

    def __init__(self, spark: Any, connect: bool) -> None:
        self.spark = spark
        self.connect = connect

    def copy(self, source: str, target: str) -> None:
        if self.connect:
            import pyarrow.fs as pafs

            src_fs, src = pafs.FileSystem.from_uri(_arrow_uri(source))
            dst_fs, dst = pafs.FileSystem.from_uri(_arrow_uri(target))
            dst_fs.create_dir(dst, recursive=True)  # copy_files makes the subdirectories only
            pafs.copy_files(src, dst, source_filesystem=src_fs, destination_filesystem=dst_fs)
            return
        jvm = self.spark.sparkContext._jvm
        conf = self.spark.sparkContext._jsc.hadoopConfiguration()
        src, dst = jvm.org.apache.hadoop.fs.Path(source), jvm.org.apache.hadoop.fs.Path(target)
        jvm.org.apache.hadoop.fs.FileUtil.copy(src.getFileSystem(conf), src, dst.getFileSystem(conf), dst, False, True, conf)

    def remove(self, uri: str) -> None:
        if self.connect:
            import pyarrow.fs as pafs

            fs, path = pafs.FileSystem.from_uri(_arrow_uri(uri))
            fs.delete_dir(path)
            return
        jvm = self.spark.sparkContext._jvm
        p = jvm.org.apache.hadoop.fs.Path(uri)
        p.getFileSystem(self.spark.sparkContext._jsc.hadoopConfiguration()).delete(p, True)


def _arrow_uri(uri: str) -> str:
    # pyarrow names Hadoop's s3a:// (and s3n://) plainly s3://.
    for scheme in ("s3a://", "s3n://"):
        if uri.startswith(scheme):
            return "s3://" + uri[len(scheme):]
    return uri


def track_iterations(spark: Any, iterations: int, started: float, stop: threading.Event) -> threading.Thread:
    """Reports each finished iteration from Spark's status tracker (see GRAM_STAGE)."""
    tracker = spark.sparkContext.statusTracker()

    def loop() -> None:
        seen: set[int] = set()
        grams = 0
        reported = 0
        while not stop.wait(0.25):
            for job_id in sorted(tracker.getJobIdsForGroup(JOB_GROUP)):
                if job_id in seen:
                    continue
                job = tracker.getJobInfo(job_id)
                if job is None or job.status != "SUCCEEDED":
                    continue
                seen.add(job_id)
                stages = [tracker.getStageInfo(s) for s in job.stageIds]
                if any(s is not None and s.name.startswith(GRAM_STAGE) for s in stages):
                    grams += 1
            # Gram job j >= 2 completes half-sweep j - 1 (items first, then users); the last user
            # half-sweep completes when fit() returns.
            done = min(iterations - 1, max(0, grams - 1) // 2)
            while reported < done:
                reported += 1
                emit("iteration", iteration=reported, iterations=iterations, seconds=time.time() - started)

    thread = threading.Thread(target=loop, name="iteration-tracker", daemon=True)
    thread.start()
    return thread


def run(spec: JobSpec) -> dict[str, Any]:
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    master = spec["master"]
    connect = master.startswith("sc://")
    builder = SparkSession.builder.appName(spec["appName"])
    builder = builder.remote(master) if connect else builder.master(master)
    for key, value in spec["conf"].items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    if connect:
        global _remote
        _remote = RemoteSession(spark)
        signal.signal(signal.SIGTERM, _remote.on_sigterm)
    staging = Staging(spark, connect)
    try:
        app_id = spark.conf.get("spark.app.id", None) if connect else spark.sparkContext.applicationId
        emit("session", applicationId=app_id, master=master, sparkVersion=spark.version,
             parallelism=None if connect else spark.sparkContext.defaultParallelism)
        if spec["upload"]:
            staging.copy(spec["upload"]["source"], spec["upload"]["target"])
        p = spec["als"]
        if spec["checkpointDir"] and not connect:
            spark.sparkContext.setCheckpointDir(spec["checkpointDir"])
        elif connect and 0 < p["checkpointInterval"] < p["maxIter"] and not spark.conf.get("spark.checkpoint.dir", None):
            emit("warning", message=f"the Spark Connect server {master} has no spark.checkpoint.dir: ALS cannot checkpoint, and a fit of "
                 f"{p['maxIter']} iterations may overflow the stack of the server's JVM (start it with --conf spark.checkpoint.dir=...)")
        als = ALS(rank=p["rank"], maxIter=p["maxIter"], regParam=p["regParam"], alpha=p["alpha"], implicitPrefs=p["implicitPrefs"],
                  seed=p["seed"], checkpointInterval=p["checkpointInterval"], numUserBlocks=p["numUserBlocks"],
                  numItemBlocks=p["numItemBlocks"], userCol="source_index", itemCol="target_index", ratingCol="weight",
                  nonnegative=False)
        ratings = spark.read.parquet(spec["input"])
        started = time.time()
        stop = threading.Event()
        tracker = None
        if not connect:
            spark.sparkContext.setJobGroup(JOB_GROUP, spec["appName"])
            tracker = track_iterations(spark, p["maxIter"], started, stop)
        try:
            model = als.fit(ratings)
        finally:
            stop.set()
            if tracker:
                tracker.join()
        fit_seconds = time.time() - started
        emit("iteration", iteration=p["maxIter"], iterations=p["maxIter"], seconds=fit_seconds)
        executors = None if connect else max(1, spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - (0 if master.startswith("local") else 1))
        model.userFactors.write.mode("overwrite").parquet(spec["output"] + "/user_factors")
        model.itemFactors.write.mode("overwrite").parquet(spec["output"] + "/item_factors")
        if spec["download"]:
            staging.copy(spec["download"]["source"], spec["download"]["target"])
        if spec["remoteRoot"]:
            staging.remove(spec["remoteRoot"])
        manifest = {
            "version": SPEC_VERSION, "applicationId": app_id, "master": master, "sparkVersion": spark.version,
            "rank": model.rank, "userFactors": "user_factors", "itemFactors": "item_factors",
            "fitSeconds": fit_seconds, "iterations": p["maxIter"], "executors": executors,
        }
        with open(spec["manifest"], "w", encoding="utf-8") as f:
            json.dump(manifest, f)
        return manifest
    except BaseException:
        if spec["remoteRoot"] and not spec["keepOnFailure"]:
            try:
                staging.remove(spec["remoteRoot"])
            except Exception:
                pass
        raise
    finally:
        spark.stop()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: driver.py SPEC.json\n")
        return 2
    try:
        spec = read_spec(argv[1])
    except (OSError, ValueError) as err:
        emit("error", message=f"job spec {argv[1]}: {err}")
        return 2
    watch_parent(spec["parentPid"])
    try:
        manifest = run(spec)
    except BaseException as err:  # noqa: BLE001 - every failure is reported, Spark's message first
        emit("error", message=spark_message(err), exception=type(err).__name__)
        return 1
    emit("done", manifest=manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
