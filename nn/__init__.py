"""Neural-network building blocks on ``autograd.Tensor``, with PyTorch's names and layouts.

>>> import numpy as np
>>> from autograd import Tensor
>>> import nn
>>> model = nn.MLP(2, [16, 3], rng=0)
>>> x = Tensor(np.ones((4, 2), dtype=np.float32))
>>> loss = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 2, 0]))
>>> loss.backward(); model[0].weight.grad.shape
(16, 2)
"""
from __future__ import annotations

from . import conv, data, datasets, functional, init, metrics, plots, scalar, train
from .activations import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .data import (DataLoader, Dataset, TensorDataset, one_hot, standardize, train_test_split,
                   train_val_test_split)
from .layers import (MLP, BatchNorm1d, BatchNorm2d, Dropout, Flatten, Identity, Linear,
                     Sequential)
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, L1Loss, MSELoss,
                     NLLLoss, PerceptronLoss, SoftDiceLoss, SoftJaccardLoss)
from .module import (IncompatibleKeys, Module, ModuleList, Parameter, ParameterList,
                     StateDictError, WeightsFileError, read_weights)
from .train import EarlyStopping, History, evaluate, fit, predict

__all__ = [
    "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv2d",
    "CrossEntropyLoss", "DataLoader", "Dataset", "Dropout", "EarlyStopping", "Flatten",
    "HingeLoss", "History", "Identity", "IncompatibleKeys", "L1Loss", "LeakyReLU", "Linear",
    "LogSoftmax", "MLP", "MSELoss", "MaxPool2d", "Module", "ModuleList", "NLLLoss", "Parameter",
    "ParameterList", "PerceptronLoss", "ReLU", "Sequential", "Sigmoid", "SoftDiceLoss",
    "SoftJaccardLoss", "Softmax", "StateDictError", "Tanh", "TensorDataset", "WeightsFileError",
    "conv", "data", "datasets", "evaluate", "fit", "functional", "init", "metrics", "one_hot",
    "plots", "predict", "read_weights", "scalar", "standardize", "train", "train_test_split",
    "train_val_test_split",
]
