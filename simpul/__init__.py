"""simpul: the Jaringan Intra Pemda automation toolkit of a regency's Dinas Kominfo."""

__version__ = "0.1.0"
