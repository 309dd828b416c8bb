"""Shared fixtures and Hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The suite builds hundreds of web apps in one process: freezing each one's start-up objects
# (the served app's default) would keep them from the cyclic collector for good.
os.environ["MYOSCOPE_GC_FREEZE"] = "false"


# one local Spark session for every Spark test (the rules compiler's and the cohort engine's):
# starting a JVM costs seconds, and two sessions in one process are not possible anyway
@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    pytest.importorskip("pyarrow")
    from myoscope.cohort.spark import spark_session

    # the parity tests plan and compile the whole knowledge base several times in this one JVM
    # (each definition's rules, per-row lists and signatures): more than the default 1g of heap
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", "--driver-memory 2g pyspark-shell")
    session = spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
