"""The service layer: one module per capability, one function per use case.

A use case takes the settings and a typed request, and returns a typed result whose ``as_json()``
holds the facts ``--json`` prints and whose ``exit_code`` says how the run went (0 all good, 1
findings or device failures). It never prints, reads argv or exits: the CLI (``simpul.cli``) and the
Ansible plugins (``playbooks/*_plugins``) call the same functions and only render what comes back.
Bad input raises a :class:`~simpul.errors.SimpulError` before anything is written or any device is
touched.
"""
