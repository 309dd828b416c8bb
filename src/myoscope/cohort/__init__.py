"""Cohort engine: the same rules over whole tables (polars on one machine, Spark beyond).

``classify`` a frame or file in memory, ``run_cohort`` to stream a file of any size to an output
file with its rejects table and summary; ``myoscope cohort`` is the command-line face.
"""

from .run import Classifier, CohortResult, CohortRun, classify, run_cohort

__all__ = ["Classifier", "CohortResult", "CohortRun", "classify", "run_cohort"]
