"""Jobs: running the pipeline (:mod:`veil.jobs.run`), dry runs (:mod:`veil.jobs.dryrun`) and
the lifecycle of a job: approval, the dataset lock, rollback (:mod:`veil.jobs.lifecycle`)."""

from veil.jobs.run import RunConfig, RunResult, run_pipeline

__all__ = ["RunConfig", "RunResult", "run_pipeline"]
