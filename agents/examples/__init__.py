"""Deliberately flawed agents: each breaks one rule, so the conformance suite can be seen to catch it."""
