"""Neural-network building blocks on ``autograd.Tensor``, with PyTorch's names and layouts.

>>> import numpy as np
>>> from autograd import Tensor
>>> import nn
>>> model = nn.MLP(2, [16, 3], rng=0)
>>> x = Tensor(np.ones((4, 2), dtype=np.float32))
>>> loss = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 2, 0]))
>>> loss.backward(); model[0].weight.grad.shape
(16, 2)

A PyTorch layer that chainrule does not have is an AttributeError that says
so and lists the layers it has:

>>> nn.LSTM
Traceback (most recent call last):
...
AttributeError: nn has no LSTM: PyTorch's torch.nn.LSTM is not part of chainrule. ...
"""
from __future__ import annotations

from typing import Any

from . import (callback, callbacks, conv, data, datasets, functional, init, metrics, plots,
               scalar, train, utils)
from .activations import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .callbacks import (Callback, CSVLogger, EarlyStopping, LambdaCallback,
                        LearningRateScheduler, ModelCheckpoint)
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .data import (DataLoader, Dataset, TensorDataset, one_hot, standardize, train_test_split,
                   train_val_test_split)
from .evaluation import evaluate, predict, predict_proba
from .guards import LossInputWarning, TrainingWarning
from .history import History
from .layers import (MLP, BatchNorm1d, BatchNorm2d, Dropout, Flatten, Identity, Linear,
                     Sequential)
from .loss_names import get_loss
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, L1Loss, MSELoss,
                     NLLLoss, PerceptronLoss, SoftDiceLoss, SoftJaccardLoss)
from .containers import ModuleList, ParameterList
from .module import (IncompatibleKeys, Module, Parameter, StateDictError, WeightsFileError,
                     read_weights)
from .summary import summary
from .train import fit

__all__ = [
    "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "CSVLogger",
    "Callback", "Conv2d", "CrossEntropyLoss", "DataLoader", "Dataset", "Dropout",
    "EarlyStopping", "Flatten", "HingeLoss", "History", "Identity", "IncompatibleKeys", "L1Loss",
    "LambdaCallback", "LearningRateScheduler", "LeakyReLU", "Linear", "LogSoftmax",
    "LossInputWarning", "MLP", "MSELoss", "MaxPool2d", "Module", "ModelCheckpoint", "ModuleList",
    "NLLLoss", "Parameter", "ParameterList", "PerceptronLoss", "ReLU", "Sequential", "Sigmoid",
    "SoftDiceLoss", "SoftJaccardLoss", "Softmax", "StateDictError", "Tanh", "TensorDataset",
    "TrainingWarning", "WeightsFileError", "callback", "callbacks", "conv", "data", "datasets",
    "evaluate", "fit", "functional", "get_loss", "init", "metrics", "one_hot", "plots", "predict",
    "predict_proba", "read_weights", "scalar", "standardize", "summary", "train",
    "train_test_split", "train_val_test_split", "utils",
]

# torch.nn names a PyTorch user may reach for (a fact list, to say "not here" clearly).
_PYTORCH_ONLY = frozenset("""
    AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveMaxPool2d AvgPool1d AvgPool3d
    BatchNorm3d Bilinear CELU CTCLoss Conv1d Conv3d ConvTranspose1d
    ConvTranspose2d ConvTranspose3d CosineEmbeddingLoss CosineSimilarity Dropout1d Dropout2d
    Dropout3d ELU Embedding EmbeddingBag GELU GLU GRU GRUCell GaussianNLLLoss GroupNorm
    Hardsigmoid Hardswish Hardtanh HuberLoss InstanceNorm1d InstanceNorm2d KLDivLoss LPPool2d
    LSTM LSTMCell LayerNorm LazyLinear LocalResponseNorm MarginRankingLoss MaxPool1d
    MaxPool3d MaxUnpool2d Mish ModuleDict MultiLabelMarginLoss MultiLabelSoftMarginLoss
    MultiMarginLoss MultiheadAttention PReLU ParameterDict PairwiseDistance PixelShuffle
    PoissonNLLLoss RNN RNNCell RReLU ReLU6 ReflectionPad2d ReplicationPad2d SELU SiLU
    SmoothL1Loss SoftMarginLoss Softmax2d Softmin Softplus Softshrink Softsign Tanhshrink
    Threshold Transformer TransformerDecoder TransformerDecoderLayer TransformerEncoder
    TransformerEncoderLayer TripletMarginLoss Unflatten Unfold Upsample ZeroPad2d
""".split())


def _what_nn_has() -> str:
    """The layers and losses nn exports, computed (so new layers appear on their own)."""
    names = [n for n in __all__ if isinstance(globals().get(n), type)
             and issubclass(globals()[n], Module) and globals()[n] is not Module]
    losses = [n for n in names if n.endswith("Loss")]
    layers = [n for n in names if n not in losses]
    return f"Layers and containers: {', '.join(layers)}. Losses: {', '.join(losses)}."


def __getattr__(name: str) -> Any:
    if name.startswith("__") or not name[:1].isupper():
        raise AttributeError(f"module 'nn' has no attribute {name!r}")
    if name in _PYTORCH_ONLY:
        raise AttributeError(f"nn has no {name}: PyTorch's torch.nn.{name} is not part of "
                             f"chainrule. {_what_nn_has()}")
    raise AttributeError(f"nn has no {name}. {_what_nn_has()}")
