"""The seed project's LeNet-5, verbatim: the one PyTorch definition every reference script imports
(tools/reference/torch_lenet_fixture.py, tools/reference/torch_train.py, tools/bench/torch_bench.py and
test/train/torch-init.test.ts). Importing it raises ImportError when torch is missing."""
import torch
import torch.nn as nn


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
