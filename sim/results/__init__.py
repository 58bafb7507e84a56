"""Results: KPIs from the event log, healthy bands, run warnings and result directories."""
