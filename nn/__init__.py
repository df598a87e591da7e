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

from . import functional, init, scalar
from .activations import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .layers import MLP, BatchNorm1d, Dropout, Flatten, Identity, Linear, Sequential
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, L1Loss, MSELoss,
                     NLLLoss, PerceptronLoss, SoftDiceLoss, SoftJaccardLoss)
from .module import (IncompatibleKeys, Module, ModuleList, Parameter, ParameterList,
                     StateDictError, WeightsFileError, read_weights)
from . import data, datasets, metrics, plots, train
from .data import (DataLoader, Dataset, TensorDataset, one_hot, standardize, train_test_split,
                   train_val_test_split)
from .train import EarlyStopping, History, evaluate, fit, predict
