#!/usr/bin/python3
"""PyTorch's whole process for the cold-start comparison of `npm run bench` (tools/bench/cold-start.ts): the
seed's one epoch on Fashion-MNIST from the same IDX .gz files onnx-lenet reads — import torch, gunzip and
convert the data (ToTensor + Normalize), LeNet-5, Adam lr 1e-3, DataLoader batch 64 shuffled, one epoch,
test accuracy, the weights saved — i.e. what `onnx-lenet train --epochs 1` does end to end. The recipe's
pieces come from tools/reference/torch_train.py (the seed's script), not copied.

  /usr/bin/python3 tools/bench/torch_cold_start.py [--threads 2] [--data-dir /usr/share/datasets/fashion-mnist] [--out <dir>]

Writes `trace <ms> <phase>` lines to stderr (ms since this interpreter started, like ONNX_LENET_TRACE)
and one JSON line to stdout; exits 3 when torch cannot be imported.
"""
import time

T0 = time.perf_counter()
import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def since_start_ms():
    """ms since the process started (its start time in /proc/self/stat), else since this file began."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return (uptime - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000
    except (OSError, ValueError, IndexError):
        return (time.perf_counter() - T0) * 1000


def trace(what):
    print(f"trace {since_start_ms():.1f} {what}", file=sys.stderr, flush=True)


trace("python: started")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
try:
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader, TensorDataset
    from seed_lenet import LeNet
    from torch_train import load_idx_dir, to_tensor_normalize
except ImportError as error:
    print(f"torch_cold_start: cannot import PyTorch ({error})", file=sys.stderr)
    sys.exit(3)
trace("python: torch imported")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default=None, help="folder for lenet.pt (default: nothing written)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    train_x, train_y, test_x, test_y = load_idx_dir(a.data_dir)
    train_set = TensorDataset(to_tensor_normalize(train_x), torch.from_numpy(train_y))
    test_x, test_y = to_tensor_normalize(test_x), torch.from_numpy(test_y)
    trace("python: data loaded")
    model = LeNet()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    started = time.perf_counter()
    for images, labels in DataLoader(train_set, batch_size=64, shuffle=True):
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        loss.item()
    train_seconds = time.perf_counter() - started
    trace("python: epoch steps done")
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(test_x), 1000):
            correct += (model(test_x[s:s + 1000]).argmax(1) == test_y[s:s + 1000]).sum().item()
    trace("python: evaluated")
    if a.out:
        torch.save(model.state_dict(), os.path.join(a.out, "lenet.pt"))
    trace("python: saved")
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "trainSeconds": train_seconds,
                      "testAccuracy": correct / len(test_x)}))


if __name__ == "__main__":
    main()
