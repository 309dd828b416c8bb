"""Shared fixtures and Hypothesis profiles."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The suite builds hundreds of web apps in one process: freezing each one's start-up objects
# (the served app's default) would keep them from the cyclic collector for good.
os.environ["MYOSCOPE_GC_FREEZE"] = "false"
