"""Shared test settings: a reproducible hypothesis profile for CI, the kit's plugin, and
where the notebook runs are kept for the site build."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The kit's pytest plugin (check_op fixture, st.from_type(Tensor)), loaded here so the suite does
# not depend on the installed entry point; pytester runs a student's test file against it.
pytest_plugins = ["autograd.pytest_plugin", "pytester"]

settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def executed_notebooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tests/test_notebooks.py saves each notebook it ran, outputs included, so that
    tests/test_site.py renders those runs instead of executing the notebooks again."""
    path = tmp_path_factory.getbasetemp() / "executed-notebooks"
    path.mkdir(exist_ok=True)
    return path
