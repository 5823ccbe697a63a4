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


class WarehouseOutdated(BarometreError):
    """The warehouse was written by an older schema version: ``barometre ingest`` migrates it."""


class WarehouseTooNew(BarometreError):
    """The warehouse was written by a newer Baromètre than this one."""


class MigrationFailed(BarometreError):
    """A migration step failed; the warehouse itself is left as it was."""


class FilesMissing(BarometreError):
    """A rebuild found files of the ledger gone or changed (refused unless forced)."""
