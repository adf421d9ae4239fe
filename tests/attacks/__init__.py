"""Attacks that must fail, each a test named for the attack."""
