"""Edges that keep history on disk: the git repository of config backups."""

from simpul.store.git_store import DeviceStatus, GitStore, backup_path, blob_id, read_status

__all__ = ["DeviceStatus", "GitStore", "backup_path", "blob_id", "read_status"]
