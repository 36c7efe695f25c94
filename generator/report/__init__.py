"""Presentation: run reports (text, json, github), explain and diff results and their formats."""
