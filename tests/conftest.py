"""Shared test settings: a reproducible hypothesis profile for CI, and the kit's plugin."""
from __future__ import annotations

import os

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
