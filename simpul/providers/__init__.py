"""Edges to the outside programs simpul drives: restic and rclone (``restic``), throwaway database
servers for restore drills and the lab (``scratch_db``), and the runners that start an SKPD server's
backup agent (``backup_agents``). They take typed values from ``simpul.core`` and never decide
policy: that is the core's job, called by ``simpul.services``.
"""
