"""Classification throughput: every task (language, sentiment, toxicity, spam, needs a
response) over real messages from the training data, on one core, in batches.

    python bench/classify.py [--quick] [--batch N] [--repeat N]

Prints one JSON object on its last line: texts_per_s (wall clock, median of the repeats),
texts_per_cpu_s (per second of CPU time), the load time of the models and the batch size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time

# One core, as the target says: BLAS threads would borrow the second one.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from orchestre.ml import corpus
from orchestre.ml.classifier import load_classifier


def _messages(n: int) -> list[str]:
    rows = [
        r.text for name in ("sentiment.csv", "toxicity.csv", "spam.csv") for r in corpus.read(name)
    ]
    random.Random(7).shuffle(rows)
    return rows[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="4,000 messages, 3 repeats")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    count = 4_000 if args.quick else 20_000
    repeats = args.repeat or (3 if args.quick else 5)
    started = time.perf_counter()
    classifier = load_classifier()
    load_s = time.perf_counter() - started
    texts = _messages(count)
    classifier.classify_many(texts[:256])  # warm-up
    rates, cpu_rates = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), args.batch):
            classifier.classify_many(texts[i : i + args.batch])
        rates.append(len(texts) / (time.perf_counter() - started))
        cpu_rates.append(len(texts) / (time.process_time() - cpu_started))
    result = {
        "bench": "classify",
        "texts": len(texts),
        "batch": args.batch,
        "repeats": repeats,
        "texts_per_s": round(statistics.median(rates)),
        "texts_per_s_min": round(min(rates)),
        # Per second of this process's CPU time: what one free core does when the machine
        # is shared with other work (wall-clock rates then understate it).
        "texts_per_cpu_s": round(statistics.median(cpu_rates)),
        "load_s": round(load_s, 2),
        "model_version": classifier.model_version,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
