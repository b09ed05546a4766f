"""Excel and JSON bulk import for every registered model with a `natural_key` (upsert by that key).

One row pipeline serves both sources: an Excel sheet is read into dict rows ({header: cell}); a
JSON bulk request already is dict rows ({field: value}). The rooms of the package:

    reading.py   the uploaded workbook: .xlsx check, calamine Sheet, {header: cell} rows
    pipeline.py  RowPipeline / CompositeKeyPipeline: one row → form data → what a service writes
    running.py   validate every row (nothing written) or apply all in one transaction (Report)
    writing.py   the template workbook and a job's errors workbook
    services.py  upload → ImportJob → validate → confirm → apply; JSON bulk; the job's status moves
    progress.py  rows done so far (job row while validating, a cache while applying)
    jobs.py      the huey jobs of large files
    views.py     import pages and the import API

Other apps use only the names below: an app's own pipeline subclasses RowPipeline (or declares a
CompositeKeyPipeline's key_fields) and uses its documented hooks.
"""

from . import jobs  # noqa: F401  (registers the huey jobs of large imports)
from .errors import ImportFailed, InvalidFile, RowsInvalid, row_error
from .pipeline import CompositeKeyPipeline, RowOutcome, RowPipeline, cell_text
from .running import Report, record_import
from .services import import_apply, import_bulk, import_confirm, import_upload, import_validate, move_job

__all__ = [
    # pipelines of other apps
    "CompositeKeyPipeline",
    "RowOutcome",
    "RowPipeline",
    "Report",
    "cell_text",
    "record_import",
    "row_error",
    # refusals
    "ImportFailed",
    "InvalidFile",
    "RowsInvalid",
    # services (pages, API, demo data, the device import benchmark)
    "import_apply",
    "import_bulk",
    "import_confirm",
    "import_upload",
    "import_validate",
    "move_job",
]
