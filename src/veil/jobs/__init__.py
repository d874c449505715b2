"""Jobs: running the pipeline (lifecycle, catalog and approval come later)."""

from veil.jobs.run import RunConfig, RunResult, run_pipeline

__all__ = ["RunConfig", "RunResult", "run_pipeline"]
