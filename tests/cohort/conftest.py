"""One local Spark session for every Spark test of the cohort engine (starting a JVM costs
seconds; two sessions in one process are not possible anyway)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest


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
