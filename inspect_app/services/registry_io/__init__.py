"""Registry import and export (CSV and XLSX) for the one list and two
registries and their satellites.

::

    from inspect_app.services.registry_io import REGISTRIES, import_file, export_registry

    report = import_file(session, "entities", stream, "entities.csv", sync=False, encoding=None)
    report.ok, report.inserted, report.updated, report.deactivated, report.errors
    export_registry(session, "entities", "xlsx", out)             # Chinese headers
    export_registry(session, "entities", "csv", out, english=True)  # English headers

``REGISTRIES`` maps each kind (departments, districts, entities, inspectors,
leaves, conflicts, pair_conflicts, items, check_records) to its spec: key
columns and columns with Chinese and English headers, kinds and required
flags. An import validates every row and lands completely or not at all.
"""

from .exporter import export_filename, export_registry
from .importer import import_file
from .report import MAX_ERRORS, ImportReport, RowError
from .specs import REGISTRIES, Column, RegistrySpec

__all__ = ["REGISTRIES", "Column", "RegistrySpec", "import_file", "export_registry", "export_filename",
           "ImportReport", "RowError", "MAX_ERRORS"]
