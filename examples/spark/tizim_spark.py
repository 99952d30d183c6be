#!/usr/bin/env python3
"""Run tizim across a Spark cluster and merge the parts into one report.

The inventory comes out exactly as if one tizim process had scanned every
input (tests/scale_out.rs holds it to that, byte for byte in JSON).

    spark-submit examples/spark/tizim_spark.py --tizim ./target/release/tizim \
        --policy tizim.toml --format html -o lake.html hdfs:///exports/2024/

Two ways to hand data to tizim, one tizim process per Spark partition:

  --mode paths   (default) the executors can read the inputs' paths (a shared
                 or local file system): each partition's list of paths is
                 piped to `tizim scan --files-from - --format partial`.
  --mode bytes   they cannot (HDFS, S3, …): Spark reads the files
                 (`binaryFiles`), and each file's bytes are piped to
                 `tizim scan - --stdin-name PATH --stdin-modified SECONDS`.

The tizim binary is shipped to the executors with SparkContext.addFile. The
driver lists the inputs (with their modification times, which retention
needs) through the Hadoop FileSystem API, collects the partial reports, and
runs `tizim merge` on them. Exit code: tizim merge's (0 pass, 1 gate failed,
2 error).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from pyspark import SparkFiles
from pyspark.sql import SparkSession


def local_path(uri):
    """`file:/x` (how Hadoop names local files) → `/x`; other URIs as they are."""
    if uri.startswith("file://"):
        return uri[len("file://"):]
    if uri.startswith("file:"):
        return uri[len("file:"):]
    return uri


def list_inputs(spark, inputs):
    """[(uri, mtime seconds)] of every file under the inputs, in path order."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    files = []
    for name in inputs:
        path = jvm.org.apache.hadoop.fs.Path(name)
        fs = path.getFileSystem(conf)
        it = fs.listFiles(path, True)
        while it.hasNext():
            status = it.next()
            if status.isFile():
                files.append((status.getPath().toString(), status.getModificationTime() // 1000))
    files.sort()
    return files


def scan_paths_partition(scan_args):
    """For mapPartitions: one `tizim scan --files-from -` over the partition's
    paths. This is what RDD.pipe does, plus finding the shipped binary where
    the executor put it (SparkFiles), which only the executor knows."""

    def run(paths):
        paths = list(paths)
        if not paths:
            return []
        tizim = SparkFiles.get("tizim")
        cmd = [tizim, "scan", "--files-from", "-", "--format", "partial", "-q", "--fail-on", "none"]
        proc = subprocess.run(
            cmd + scan_args,
            input=("\n".join(paths) + "\n").encode(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        if proc.returncode not in (0, 1):
            raise RuntimeError("tizim scan failed: " + proc.stderr.decode(errors="replace"))
        return [proc.stdout]

    return run


def scan_bytes_partition(scan_args, mtimes):
    """For mapPartitions over binaryFiles: each file's bytes on tizim's stdin."""

    def run(records):
        tizim = SparkFiles.get("tizim")
        parts = []
        for uri, content in records:
            name = local_path(uri)
            cmd = [tizim, "scan", "-", "--stdin-name", name, "--format", "partial", "-q", "--fail-on", "none"]
            mtime = mtimes.value.get(uri)
            if mtime is not None:
                cmd += ["--stdin-modified", str(mtime)]
            proc = subprocess.run(
                cmd + scan_args, input=bytes(content), stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            if proc.returncode not in (0, 1):
                raise RuntimeError("tizim scan failed on %s: %s" % (name, proc.stderr.decode(errors="replace")))
            parts.append(proc.stdout)
        return parts

    return run


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="files or directories, on any Hadoop file system")
    ap.add_argument("--tizim", required=True, help="the tizim binary to ship to the executors")
    ap.add_argument("--mode", choices=["paths", "bytes"], default="paths")
    ap.add_argument("--partitions", type=int, default=0, help="Spark partitions [default: Spark's parallelism]")
    ap.add_argument("--policy", help="policy file the merged inventory is judged against")
    ap.add_argument("--format", default="json", help="report format of the merge")
    ap.add_argument("-o", "--output", help="report file [default: stdout]")
    ap.add_argument("--parts-dir", help="keep the partial reports here [default: a temporary directory]")
    ap.add_argument("--master", help="Spark master, e.g. local[2] [default: spark-submit's]")
    ap.add_argument("--scan-arg", action="append", default=[],
                    help="extra argument for every `tizim scan` (repeatable), e.g. --scan-arg=--fingerprint-key-file=/etc/tizim/key")
    args = ap.parse_args(argv)

    builder = SparkSession.builder.appName("tizim")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    sc.addFile(os.path.abspath(args.tizim))
    files = list_inputs(spark, args.inputs)
    if not files:
        spark.stop()
        print("tizim_spark: no files under %s" % " ".join(args.inputs), file=sys.stderr)
        return 2
    partitions = args.partitions or sc.defaultParallelism
    if args.mode == "paths":
        paths = [local_path(uri) for uri, _ in files]
        rdd = sc.parallelize(paths, max(1, min(partitions, len(paths) or 1)))
        parts = rdd.mapPartitions(scan_paths_partition(args.scan_arg)).collect()
    else:
        mtimes = sc.broadcast(dict(files))
        # Directories are read whole, subdirectories included, as tizim walks them.
        sc._jsc.hadoopConfiguration().set("mapreduce.input.fileinputformat.input.dir.recursive", "true")
        rdd = sc.binaryFiles(",".join(args.inputs), minPartitions=partitions)
        parts = rdd.mapPartitions(scan_bytes_partition(args.scan_arg, mtimes)).collect()
    spark.stop()

    parts_dir = args.parts_dir or tempfile.mkdtemp(prefix="tizim-parts-")
    try:
        os.makedirs(parts_dir, exist_ok=True)
        for i, part in enumerate(parts):
            with open(os.path.join(parts_dir, "part-%05d.ndjson" % i), "wb") as f:
                f.write(part)
        cmd = [args.tizim, "merge", parts_dir, "--format", args.format]
        if args.policy:
            cmd += ["--policy", args.policy]
        if args.output:
            cmd += ["-o", args.output]
        return subprocess.call(cmd)
    finally:
        if not args.parts_dir:
            shutil.rmtree(parts_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
