#!/usr/bin/python3
"""Run the seed's LeNet in PyTorch float64 on a batch given as JSON on stdin; print loss, logits and
gradients as JSON on stdout. Test-only: the cross-check for test/reference/lenet64.ts.

stdin:  {"params": {"conv1.weight": [flat, PyTorch layout], ...}, "images": [N*784 pixels in [0,1]],
         "labels": [N ints], "adam": {"lr": 0.001, "steps": 3}  (optional)}
stdout: {"torch": version, "loss": mean CE, "logits": [N*10], "correct": int,
         "grads": {name: [flat]},
         "adam": {"losses": [loss before each step], "params": {name: [flat after the steps]}}  (if asked)}
"""
import json
import os
import sys

try:
    import torch
    import torch.nn as nn
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from seed_lenet import LeNet
except ImportError as error:  # the caller skips its PyTorch cross-check on this exit code
    print(f"torch_lenet_fixture: cannot import torch: {error}", file=sys.stderr)
    sys.exit(3)


def flat(t):
    return t.detach().reshape(-1).tolist()


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(1)
    model = LeNet().double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(spec["params"][name], dtype=torch.float64).reshape(p.shape))
    pixels = torch.tensor(spec["images"], dtype=torch.float64).reshape(-1, 1, 28, 28)
    images = (pixels - 0.5) / 0.5  # transforms.Normalize((0.5,), (0.5,))
    labels = torch.tensor(spec["labels"], dtype=torch.int64)
    criterion = nn.CrossEntropyLoss()

    logits = model(images)
    loss = criterion(logits, labels)
    loss.backward()
    out = {
        "torch": torch.__version__,
        "loss": loss.item(),
        "logits": flat(logits),
        "correct": int((torch.max(logits.data, 1)[1] == labels).sum().item()),
        "grads": {name: flat(p.grad) for name, p in model.named_parameters()},
    }

    adam = spec.get("adam")
    if adam is not None:
        optimizer = torch.optim.Adam(model.parameters(), lr=adam["lr"], foreach=False)
        losses = []
        for _ in range(adam["steps"]):
            optimizer.zero_grad()
            step_loss = criterion(model(images), labels)
            step_loss.backward()
            optimizer.step()
            losses.append(step_loss.item())
        out["adam"] = {"losses": losses, "params": {name: flat(p) for name, p in model.named_parameters()}}

    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
