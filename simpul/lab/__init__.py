"""The lab: a real NetBox, simulated SSH devices and Linux namespaces, all built from NetBox.

The lab is an optional extra (``pip install 'simpul[lab]'``): only modules under ``simpul.lab``
import its simulator (fakenos), and only when a device server starts.
"""

from __future__ import annotations

from simpul.errors import LabError

INSTALL_HINT = "pip install 'simpul[lab]' (in a clone of the repository: make setup)"


def require_extra() -> None:
    """Raise LabError (exit 2) saying what to install when the lab extra (fakenos) cannot be imported."""
    try:
        import fakenos  # noqa: F401
    except ImportError as err:
        raise LabError(
            f"the lab is an optional extra and its device simulator is not installed ({err})",
            field="simpul[lab]",
            hint=INSTALL_HINT,
        ) from None
