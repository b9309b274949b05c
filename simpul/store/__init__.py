"""Edges that keep history on disk: the git repository of config backups."""

from simpul.store.git_store import DeviceStatus, GitStore, read_status
from simpul.store.layout import backup_path, blob_id

__all__ = ["DeviceStatus", "GitStore", "backup_path", "blob_id", "read_status"]
