#!/usr/bin/python3
"""Fixtures for make-trainable (test/autodiff/fixtures/): forward models exported by PyTorch
(torch.onnx.export, opset 17; the BN CNN in training mode, so BatchNormalization and Dropout stay) and PyTorch's own numbers for one training step on a fixed batch, so the
tests compare onnx-lenet's generated train step with PyTorch without running Python.

Run once with Debian's PyTorch: /usr/bin/python3 tools/reference/trainable_fixtures.py [outdir]
Writes, per model, <name>.onnx (the forward model, weights from torch.manual_seed(0)) and
<name>.expected.json:

  {"torch", "onnx": file, "input": data input name, "inputShape": [N, ...], "lr",
   "pixels": base64 uint8 (the batch, pixel = byte/255), "labels": [N],
   "loss": mean cross-entropy (float64), "correct",
   "tensors": {param: {"shape", "grad": enc, "update": enc}},
   "buffers": {running stat: {"shape", "after": enc}}}   (BatchNormalization models only)

"grad" is d loss / d param in float64 (same float32 weights and batch, computed in double); "update" is
next param - param after one step of torch.optim.Adam(lr) in float32 from zero moments. A tensor is
encoded as {"f32": base64 float32 LE} when it has at most 8192 entries, else as
{"i16": base64 int16 LE, "scale": s, "keep": [...]} with value = q * s, s = max|x| / 32767 (so the
error of the encoding is at most s/2 = 1.5e-5 of the tensor's largest entry; q = -32768 marks an exact
0), and where "keep" is
given, the entries along the last axis not listed are exactly 0 in PyTorch (pixels that are 0 in
every image of the batch) and are not stored.

The step runs in model.train() (BatchNormalization on the batch's statistics, its running mean and
variance updated: "after", float64), except that Dropout modules are set to eval: make-trainable's train
step treats Dropout as the identity (README, "make-trainable"), PyTorch's train-mode Dropout is random.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_lenet import LeNet  # noqa: E402

LR = 1e-3


class NormalizedLeNet(nn.Module):
    """The seed's LeNet on pixels in [0,1]: its transforms.Normalize((0.5,), (0.5,)) moved into the model."""

    def __init__(self):
        super().__init__()
        self.lenet = LeNet()

    def forward(self, image):
        return self.lenet((image - 0.5) / 0.5)


class MNISTNet(nn.Module):
    """ONNX Runtime's on-device-training MNIST example (onnxruntime-training-examples): 784-500-10."""

    def __init__(self, input_size=784, hidden_size=500, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, model_input):
        return self.fc2(self.relu(self.fc1(model_input)))


class Residual(nn.Module):
    """A small CNN with a residual Add (x + f(x)), max and average pooling."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1)
        self.conv_a = nn.Conv2d(8, 8, 3, padding=1)
        self.conv_b = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        h = torch.max_pool2d(torch.relu(self.stem(x)), 2)        # 8x14x14
        h = torch.relu(h + self.conv_b(torch.relu(self.conv_a(h))))
        h = torch.nn.functional.avg_pool2d(h, 2, count_include_pad=False)  # 8x7x7 (no padding: exported without a Pad)
        return self.fc(torch.flatten(h, 1))


class BNCNN(nn.Module):
    """A CNN with BatchNormalization, Dropout and AveragePool; also the model of docs/accuracy.md's >= 98 % run.
    The convolutions have no bias: BatchNormalization subtracts it again, its exact gradient is 0 and
    what each side computes is rounding (1e-15 in float64, 1e-7 in float32), nothing to compare."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.pool = nn.AvgPool2d(2)
        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def forward(self, image):
        h = self.pool(torch.relu(self.bn1(self.conv1(image))))   # 16x14x14
        h = self.pool(torch.relu(self.bn2(self.conv2(h))))       # 32x7x7
        return self.fc(self.dropout(torch.flatten(h, 1)))


MODELS = [
    # name, module, input name, input shape (batch first), batch size
    ("lenet", NormalizedLeNet, "image", (1, 28, 28), 8),
    ("mlp", MNISTNet, "input", (784,), 4),
    ("residual", Residual, "image", (1, 28, 28), 8),
    ("bncnn", BNCNN, "image", (1, 28, 28), 8),
]


def train_mode(model):
    """model.train() with Dropout as the identity (eval), as make-trainable's train step has it."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    return model


def b64(a, dtype):
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")


def encode(x, pixels_active=None):
    x = np.asarray(x, dtype=np.float64)
    if x.size <= 8192:
        return {"f32": b64(x.reshape(-1), "<f4")}
    enc = {}
    if pixels_active is not None and x.shape[-1] == pixels_active.size:
        assert np.all(x[..., ~pixels_active] == 0), "a pixel that is 0 in the whole batch has a gradient"
        enc["keep"] = np.nonzero(pixels_active)[0].tolist()
        x = x[..., pixels_active]
    top = float(np.max(np.abs(x)))
    scale = top / 32767 if top > 0 else 1.0
    q = np.round(x / scale)
    q[x == 0] = -32768  # exactly 0 in PyTorch (a rounded small value is 0 too)
    enc.update({"i16": b64(q.reshape(-1), "<i2"), "scale": scale})
    return enc


def batch(n, shape, seed):
    """Digit-like images: strokes in the central 16x16 window, zeros around it (like MNIST's border)."""
    rng = np.random.RandomState(seed)
    img = np.zeros((n, 28, 28), dtype=np.uint8)
    window = rng.randint(0, 256, size=(n, 16, 16))
    window[rng.rand(n, 16, 16) < 0.6] = 0
    img[:, 6:22, 6:22] = window
    return img.reshape((n,) + shape), rng.randint(0, 10, size=n)


def make(outdir, name, module, input_name, shape, n):
    torch.manual_seed(0)
    model = module().float().eval()
    norm = any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    path = os.path.join(outdir, f"{name}.onnx")
    torch.onnx.export(model, torch.zeros((2,) + shape), path, opset_version=17, input_names=[input_name],
                      output_names=["logits"], dynamic_axes={input_name: {0: "N"}, "logits": {0: "N"}},
                      training=torch.onnx.TrainingMode.TRAINING if norm else torch.onnx.TrainingMode.EVAL,
                      do_constant_folding=not norm)
    model.load_state_dict(initial)  # a training-mode export runs the model: its running statistics moved
    import onnx
    from onnx import numpy_helper
    proto = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    names = [p for p, _ in model.named_parameters()]
    missing = [p for p in names if p not in inits]
    assert not missing, f"{name}: parameters not kept as initializers by name: {missing}"
    buffers = [b for b, _ in model.named_buffers() if "running" in b]
    if norm:
        assert {n.op_type for n in proto.graph.node} >= {"BatchNormalization", "Dropout", "AveragePool"}
        for t in proto.graph.initializer:  # the export traced the model in train mode: put the initial statistics back
            if t.name in buffers:
                t.CopyFrom(numpy_helper.from_array(initial[t.name].numpy(), t.name))
        assert all(b in inits for b in buffers), f"{name}: running statistics not kept as initializers"
        onnx.save(proto, path)
    train_mode(model)

    pixels, labels = batch(n, shape, seed=len(name))
    images = torch.tensor(pixels, dtype=torch.float64) / 255
    y = torch.tensor(labels, dtype=torch.int64)
    criterion = nn.CrossEntropyLoss()

    double = train_mode(module().double())
    double.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in initial.items()})
    logits = double(images)
    loss = criterion(logits, y)
    loss.backward()
    grads = dict((p, g.grad) for p, g in double.named_parameters())

    before = {p: v.detach().clone() for p, v in model.named_parameters()}
    opt = torch.optim.Adam(model.parameters(), lr=LR, foreach=False)
    opt.zero_grad()
    criterion(model(images.float()), y).backward()
    opt.step()
    after = dict(model.named_parameters())

    active = (pixels.reshape(n, -1) != 0).any(axis=0)
    tensors = {p: {"shape": list(before[p].shape), "grad": encode(grads[p].numpy(), active),
                   "update": encode((after[p].detach().double() - before[p].double()).numpy(), active)} for p in names}
    expected = {
        "torch": torch.__version__, "onnx": f"{name}.onnx", "input": input_name, "inputShape": [n, *shape], "lr": LR,
        "pixels": b64(pixels.reshape(-1), "u1"), "labels": labels.tolist(),
        "loss": loss.item(), "correct": int((logits.argmax(1) == y).sum().item()), "tensors": tensors,
    }
    if buffers:
        state = double.state_dict()
        expected["buffers"] = {b: {"shape": list(state[b].shape), "after": encode(state[b].numpy())} for b in buffers}
    with open(os.path.join(outdir, f"{name}.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"{name}: {sum(v.numel() for v in before.values())} parameters, loss {loss.item():.6f}")


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "autodiff", "fixtures")
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    for spec in MODELS:
        make(outdir, *spec)


if __name__ == "__main__":
    main()
