"""Named errors. Each carries a French message meant for the user; they are caught at the edge
(CLI, Streamlit page) and shown plainly, never as a stack trace."""


class BarometreError(Exception):
    """Base error: ``str(err)`` is a French sentence a non-programmer can act on."""


class WarehouseMissing(BarometreError):
    """The warehouse file does not exist yet (nothing ingested)."""


class WarehouseBusy(BarometreError):
    """Another ingest holds the writer lock."""


class PlanError(BarometreError):
    """The plan file is missing or invalid; the message names the key and the line."""


class FileRefused(BarometreError):
    """A dropped file cannot be taken in as a whole (unknown layout, unreadable bytes…)."""


class UnknownFunder(BarometreError):
    """A report was asked for a funder that no action of the plan names."""
