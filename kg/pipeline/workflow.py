"""The curation workflow and batch ingest, now in :mod:`kg.pipeline.curation` (add, review,
accept) and :mod:`kg.pipeline.ingest` (build, check and load many): kept importable here."""

from kg.pipeline.curation import META_KEYS, WorkflowError, accept, add, draft_text, open_items
from kg.pipeline.ingest import Ingester, IngestReport, default_jobs, ingest, listing

__all__ = ["META_KEYS", "IngestReport", "Ingester", "WorkflowError", "accept", "add",
           "default_jobs", "draft_text", "ingest", "listing", "open_items"]
