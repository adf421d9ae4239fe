"""Invariant fuzzing of the real contracts on anvil (Hypothesis stateful testing)."""
