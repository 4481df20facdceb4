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
import sys

try:
    import torch
    import torch.nn as nn
except ImportError as error:  # the caller skips its PyTorch cross-check on this exit code
    print(f"torch_lenet_fixture: cannot import torch: {error}", file=sys.stderr)
    sys.exit(3)


class LeNet(nn.Module):  # verbatim from the seed project
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, stride=1, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.max_pool2d(x, 2)
        x = torch.relu(self.conv2(x))
        x = torch.max_pool2d(x, 2)
        x = x.view(-1, 16 * 5 * 5)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        x = self.fc3(x)
        return x


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
