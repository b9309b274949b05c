"""Nornir tasks: one thin task per device operation (see ARCHITECTURE.md)."""
