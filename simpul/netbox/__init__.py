"""Edges to the source of truth (NetBox via pynetbox)."""
