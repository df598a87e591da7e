"""Real MNIST: test accuracy and seconds per epoch, chainrule beside PyTorch.

The same MLP (784-512-256-10, ReLU), the same initial weights, data order,
optimizer (Adam, lr 1e-3 halved every 3 epochs) and batch size (128) in both.
Prints one JSON line. Needs the MNIST IDX files (see nn.datasets.load_mnist).
"""
from __future__ import annotations

import json
import time

import numpy as np

SIZES = [784, 512, 256, 10]
EPOCHS = 8
BATCH = 128


def batches(n: int, epoch: int) -> list[np.ndarray]:
    order = np.random.default_rng(epoch).permutation(n)
    return [order[i:i + BATCH] for i in range(0, n, BATCH)]


def run_chainrule(Xtr, ytr, Xte, yte, init) -> tuple[float, float]:
    import nn
    import optim
    from autograd import Tensor, no_grad

    model = nn.MLP(SIZES[0], SIZES[1:], activation="relu")
    model.load_state_dict(dict(zip([n for n, _ in model.named_parameters()], init)))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    times = []
    for epoch in range(EPOCHS):
        model.train()
        t0 = time.perf_counter()
        for idx in batches(len(Xtr), epoch):
            loss = nn.functional.cross_entropy(model(Tensor(Xtr[idx])), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        sched.step()
    model.eval()
    with no_grad():
        pred = model(Tensor(Xte)).data.argmax(axis=1)
    return float((pred == yte).mean()), float(np.median(times))


def run_torch(Xtr, ytr, Xte, yte, init) -> tuple[float, float]:
    import torch

    torch.set_num_threads(2)
    layers: list = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    with torch.no_grad():
        for p, q in zip(model.parameters(), init):
            p.copy_(torch.from_numpy(q))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    Xt, yt = torch.from_numpy(Xtr), torch.from_numpy(ytr)
    times = []
    for epoch in range(EPOCHS):
        t0 = time.perf_counter()
        for idx in batches(len(Xtr), epoch):
            ti = torch.from_numpy(idx)
            loss = torch.nn.functional.cross_entropy(model(Xt[ti]), yt[ti])
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        sched.step()
    with torch.no_grad():
        pred = model(torch.from_numpy(Xte)).argmax(1).numpy()
    return float((pred == yte).mean()), float(np.median(times))


def main() -> None:
    from nn.datasets import load_mnist

    d = load_mnist()
    Xtr = d.X_train.reshape(len(d.X_train), -1).astype(np.float32)
    Xte = d.X_test.reshape(len(d.X_test), -1).astype(np.float32)
    ytr, yte = d.y_train.astype(np.int64), d.y_test.astype(np.int64)
    rng = np.random.default_rng(0)
    init = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        bound = np.sqrt(6 / a)  # He-uniform for ReLU
        init += [rng.uniform(-bound, bound, (b, a)).astype(np.float32), np.zeros(b, np.float32)]
    acc_c, t_c = run_chainrule(Xtr, ytr, Xte, yte, init)
    acc_t, t_t = run_torch(Xtr, ytr, Xte, yte, init)
    print(json.dumps({"model": "MLP 784-512-256-10 Adam batch 128", "epochs": EPOCHS,
                      "chainrule_accuracy": acc_c, "chainrule_s_per_epoch": t_c,
                      "torch_accuracy": acc_t, "torch_s_per_epoch": t_t}))


if __name__ == "__main__":
    main()
