"""Compliance: the rules as data, the gate that enforces them, the protected-term matcher, and
the independent audit (which imports nothing of the gate)."""
