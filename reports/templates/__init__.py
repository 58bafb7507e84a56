"""The report's jinja2 templates (package data, so they ship with the wheel)."""
