"""Moved to :mod:`simpul.lab.data_backup` (services hold no lab code). This name stays only so that
``benches/data_backup.py`` and ``python -m simpul.services.data_backup_lab`` keep working; import
from ``simpul.lab.data_backup``."""

from __future__ import annotations

import sys

from simpul.lab.data_backup import (
    DataBackupLab,
    LabServer,
    LabSkpd,
    demo_estate,
    free_port,
    lab_tempdir,
    main,
    stop_from_state,
    write_files,
)

__all__ = [
    "DataBackupLab",
    "LabServer",
    "LabSkpd",
    "demo_estate",
    "free_port",
    "lab_tempdir",
    "main",
    "stop_from_state",
    "write_files",
]

if __name__ == "__main__":
    sys.exit(main())
