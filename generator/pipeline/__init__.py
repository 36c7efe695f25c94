"""Orchestration: one overlay end to end, the fleet, builds, git change detection, trigger and verify."""
