"""Experiments: practice-year tasks, executors, replications, sweeps and dental groups."""
