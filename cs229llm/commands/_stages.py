"""Run a data stage command's stages on the engine its ``--engine`` / ``--scheduler`` name."""

from __future__ import annotations

import pandas as pd

from ..data.pipeline import close_dask_clients, run_pipeline
from ._options import check_engine


def run_stages(docs: pd.DataFrame, stages: list, args) -> pd.DataFrame:
    """``run_pipeline(docs, stages)`` on ``args.engine`` (a Dask client is closed afterwards)."""
    check_engine(args)
    if args.engine != "dask":
        return run_pipeline(docs, stages, engine="pandas")
    try:
        return run_pipeline(docs, stages, engine="dask", address=args.scheduler)
    finally:
        close_dask_clients()


def pandas_only(args, why: str) -> None:
    """Say in one line that this stage runs on pandas although ``--engine dask`` was asked for."""
    check_engine(args)
    if args.engine == "dask":
        print(f"note: {why}, so it runs on pandas in this process (--engine dask ignored)")
