"""Web UI (Django templates + htmx), French and English."""
