"""The simulation: the planner, the practice model, the SimPy engine and the event recorder."""
