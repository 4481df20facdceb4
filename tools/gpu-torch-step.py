"""PyTorch reference timing for tools/gpu-check.sh: LeNet-5 (the seed's model) + Adam, one train step per
batch of random MNIST-shaped data on CUDA. Prints 'X.XX ms/step (median of N)'. Usage: BATCH STEPS."""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2).flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


batch, steps = int(sys.argv[1]), int(sys.argv[2])
dev = torch.device("cuda")
torch.manual_seed(1)
model = LeNet().to(dev)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.rand(batch, 1, 28, 28, device=dev)
y = torch.randint(0, 10, (batch,), device=dev)
times = []
for _ in range(steps):
    t0 = time.perf_counter()
    opt.zero_grad()
    loss = F.cross_entropy(model((x - 0.5) / 0.5), y)
    loss.backward()
    opt.step()
    loss.item()  # sync, as the ONNX loop reads the loss back each step
    times.append((time.perf_counter() - t0) * 1000)
print(f"{statistics.median(times[1:]):.2f} ms/step (median of {steps - 1})")
