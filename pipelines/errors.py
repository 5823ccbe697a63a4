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


class MappingError(BarometreError):
    """An invalid mapping file (``data/mappings/*.toml``); the message names the file and the key."""


class InvalidBreakdown(BarometreError):
    """A breakdown was asked along a dimension that does not exist."""


class UnknownReview(BarometreError):
    """The review asked for is not in the plan."""


class ViewsMissing(BarometreError):
    """The warehouse predates the indicator views (or holds an older version of them)."""


class FontMissing(BarometreError):
    """No Unicode TrueType font to embed in the PDF."""


class NotStreamable(Exception):
    """Internal signal, never shown to users: a batch of a streamed file shows that the file needs
    whole-file context after all (e.g. a column judged from all its values, a line Polars cannot
    parse); what was written is undone and the file is read in one go instead."""
