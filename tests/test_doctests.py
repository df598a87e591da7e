"""Every docstring example in the packages runs and shows what it says."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

PACKAGES = ["autograd", "nn", "optim"]


def _modules():
    for pkg_name in PACKAGES:
        try:
            pkg = importlib.import_module(pkg_name)
        except ImportError:
            continue
        yield pkg_name
        for info in pkgutil.iter_modules(pkg.__path__, pkg_name + "."):
            yield info.name


@pytest.mark.parametrize("name", sorted(set(_modules())))
def test_docstring_examples(name):
    module = importlib.import_module(name)
    with np.printoptions(legacy=False):
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        result = doctest.testmod(module, optionflags=flags)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
