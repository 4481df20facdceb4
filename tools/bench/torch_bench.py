#!/usr/bin/python3
"""PyTorch side of `npm run bench`: the seed's recipe (LeNet-5, (x-0.5)/0.5 in the model input, mean
CrossEntropyLoss, Adam lr 1e-3, batch 64) timed the way tools/bench/worker.ts times onnx-lenet, so the two
can be compared in one run.

  /usr/bin/python3 tools/bench/torch_bench.py --threads 1 --parts train64,train256,epoch,infer1,infer1000
      [--steps 60] [--epoch-images 60000] [--data-dir /usr/share/datasets/fashion-mnist]

Prints one JSON object: {"torch", "threads", "results": {part: {...}}, "maxRssKb"}; exits 3 when torch
cannot be imported (the bench then skips PyTorch with a note).
"""
import argparse
import gzip
import json
import os
import resource
import statistics
import struct
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'reference'))
    from seed_lenet import LeNet  # the seed's model, shared with the reference scripts
except ImportError as error:
    print(f"torch_bench: cannot import PyTorch/numpy ({error})", file=sys.stderr)
    sys.exit(3)


def quantiles(ms):
    s = sorted(ms)
    pick = lambda q: s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]
    return {"median": pick(0.5), "p10": pick(0.1), "p90": pick(0.9), "n": len(s)}


def synthetic(n, seed=7):
    g = torch.Generator().manual_seed(seed)
    keep = torch.randint(0, 5, (n, 1, 28, 28), generator=g) == 0
    x = torch.where(keep, torch.randint(0, 256, (n, 1, 28, 28), generator=g).float() / 255, torch.zeros(()))
    return x, torch.randint(0, 10, (n,), generator=g)


def train_step(model, opt, x, y):
    opt.zero_grad()
    loss = F.cross_entropy(model((x - 0.5) / 0.5), y)
    loss.backward()
    opt.step()
    return loss.item()  # read back every step, as onnx-lenet does


def time_train(batch, steps, warmup=5):
    torch.manual_seed(1)
    model = LeNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = synthetic(batch)
    ms = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        train_step(model, opt, x, y)
        if i >= warmup:
            ms.append((time.perf_counter() - t0) * 1000)
    return {"batch": batch, **quantiles(ms), "imagesPerSecond": batch / quantiles(ms)["median"] * 1000}


def read_idx(path, header):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = struct.unpack(">" + "I" * header, data[4:4 + 4 * header])  # after the magic: count, rows, cols
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * header).reshape(-1, *dims[1:])


def time_epoch(data_dir, images):
    """One shuffled pass over `images` training images, data preloaded as float tensors (ToTensor)."""
    x = torch.from_numpy(read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"), 3)[:images].copy())
    y = torch.from_numpy(read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"), 1)[:images].astype(np.int64))
    x = x.float().div_(255).unsqueeze(1)
    torch.manual_seed(1)
    model = LeNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(len(x))
    t0 = time.perf_counter()
    for start in range(0, len(x), 64):
        idx = order[start:start + 64]
        train_step(model, opt, x[idx], y[idx])
    seconds = time.perf_counter() - t0
    return {"images": len(x), "seconds": seconds, "imagesPerSecond": len(x) / seconds}


def time_infer(batch, runs, warmup=5):
    torch.manual_seed(1)
    model = LeNet().eval()
    x, _ = synthetic(batch)
    ms = []
    with torch.no_grad():
        for i in range(warmup + runs):
            t0 = time.perf_counter()
            logits = model((x - 0.5) / 0.5)
            torch.softmax(logits, 1)
            if i >= warmup:
                ms.append((time.perf_counter() - t0) * 1000)
    q = quantiles(ms)
    return {"batch": batch, **q, "imagesPerSecond": batch / q["median"] * 1000}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--parts", default="train64,train256,epoch,infer1,infer1000")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--epoch-images", type=int, default=60000)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    results = {}
    for part in a.parts.split(","):
        if part == "train64":
            results[part] = time_train(64, a.steps)
        elif part == "train256":
            results[part] = time_train(256, max(10, a.steps // 4))
        elif part == "epoch":
            results[part] = time_epoch(a.data_dir, a.epoch_images)
        elif part == "infer1":
            results[part] = time_infer(1, a.steps * 10)
        elif part == "infer1000":
            results[part] = time_infer(1000, max(10, a.steps // 3))
        else:
            raise SystemExit(f"torch_bench: unknown part '{part}'")
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results,
                      "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
