"""Measure what makes training fast on this machine: batch size, input pipeline, XLA, threads,
mixed precision.

The workload is the book's reference CNN (two conv blocks on Fashion-MNIST, as in chapter
6), trained for two epochs on 20,000 real images; the time of the second epoch is kept
(the first includes tracing). The variants take turns, ``--repeats`` rounds, and each run
is its own process, because thread settings must be made before TensorFlow starts.
Results go to ``benchmarks/speed.json``; ``benchmarks/run.py`` renders them into RESULTS.md.

Usage: ``python benchmarks/speed.py [--repeats 3] [--only VARIANT ...]`` (``--only``
measures those variants and keeps the other rows of ``speed.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "benchmarks" / "speed.json"

VARIANTS = {
    "arrays, batch 32 (Keras default)": {"batch": 32},
    "arrays, batch 128": {"batch": 128},
    "arrays, batch 256": {"batch": 256},
    "tf.data cache+prefetch, batch 128": {"batch": 128, "pipeline": True},
    "arrays, batch 128, XLA (jit_compile)": {"batch": 128, "xla": True},
    "arrays, batch 128, mixed_bfloat16": {"batch": 128, "policy": "mixed_bfloat16"},
    "arrays, batch 128, 1 intra-op thread": {"batch": 128, "intra": 1},
    "arrays, batch 128, 2 intra + 1 inter-op threads": {"batch": 128, "intra": 2, "inter": 1},
}

WORKER = r"""
import json, sys, time
options = json.loads(sys.argv[1])
import tensorflow as tf
if options.get("intra"):
    tf.config.threading.set_intra_op_parallelism_threads(options["intra"])
if options.get("inter"):
    tf.config.threading.set_inter_op_parallelism_threads(options["inter"])
import keras
from labhelpers import data, device
keras.mixed_precision.set_global_policy(options.get("policy", "float32"))
device.set_seed(0)
(x, y), (xt, yt) = data.load_fashion_mnist(n_train=20000, n_test=5000, verbose=False)
x = x[..., None].astype("float32") / 255
xt = xt[..., None].astype("float32") / 255
model = keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
    keras.layers.MaxPooling2D(),
    keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
    keras.layers.MaxPooling2D(),
    keras.layers.Flatten(),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense(10, activation="softmax", dtype="float32"),
])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
              jit_compile=bool(options.get("xla")))
batch = options["batch"]
if options.get("pipeline"):
    train = (tf.data.Dataset.from_tensor_slices((x, y)).cache().shuffle(20000, seed=0)
             .batch(batch).prefetch(tf.data.AUTOTUNE))
    fit = lambda: model.fit(train, epochs=1, verbose=0)
else:
    fit = lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
fit()
start = time.perf_counter()
fit()
seconds = time.perf_counter() - start
accuracy = model.evaluate(xt, yt, verbose=0)[1]
print(json.dumps({"epoch_s": seconds, "accuracy": accuracy}))
"""


def run_variant(options: dict) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", WORKER, json.dumps(options)], env=env,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    # Round-robin (every variant once, then again): a machine whose speed drifts or jumps
    # (seen here: the same setting took 5.5 s and 10.5 s) then biases no variant.
    measured = {name: [] for name in args.only}
    for _ in range(args.repeats):
        for name in args.only:
            measured[name].append(run_variant(VARIANTS[name]))
    kept = json.loads(OUTPUT.read_text())["rows"] if OUTPUT.exists() else []
    rows = {row["variant"]: row for row in kept if row["variant"] in VARIANTS}
    for name, runs in measured.items():
        epoch = statistics.median(run["epoch_s"] for run in runs)
        rows[name] = {"variant": name, "epoch_s_median": round(epoch, 2),
                      "epoch_s_runs": [round(run["epoch_s"], 2) for run in runs],
                      "accuracy_after_2_epochs": round(runs[0]["accuracy"], 4)}
        print(f"{name}: {epoch:.2f} s per epoch")
    ordered = [rows[name] for name in VARIANTS if name in rows]
    OUTPUT.write_text(json.dumps({"cpu_cores": os.cpu_count(), "rows": ordered}, indent=1) + "\n")


if __name__ == "__main__":
    main()
