"""The simulation: the planner, the practice model and its jobs, the SimPy engine, the typed
records between engine and model, and the event rows with their recorder."""
