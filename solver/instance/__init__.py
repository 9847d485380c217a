"""Read and validate instance documents (``inspect-draw/1``) into
:class:`solver.model.Instance`.

One concern per module:

* :mod:`solver.instance.reader` — files: bytes to a JSON document, one
  decoder whose cost does not depend on key order or white space, duplicate
  keys and deep nesting refused with their JSON path;
* :mod:`solver.instance.document` — a document (from a file or built in
  memory) to an instance: its digests and the checks of every section;
* :mod:`solver.instance.entities` — the entity rules, into the columns of
  :class:`~solver.registry.EntityRows`;
* :mod:`solver.instance.sections` — policy, departments, items, inspectors,
  conflicts and tasks;
* :mod:`solver.instance.fields` — the small typed readers they share.
"""

from solver.instance.document import FORMAT, document_digest, document_digests, parse_instance
from solver.instance.reader import load_document, load_instance
from solver.instance.sections import FILTER_KEYS, POLICY_KEYS

__all__ = ["FILTER_KEYS", "FORMAT", "POLICY_KEYS", "document_digest", "document_digests",
           "load_document", "load_instance", "parse_instance"]
