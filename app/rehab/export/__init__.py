"""Research exports (BIDS motion, Parquet, CSV, rosbag2 MCAP, FHIR R4), de-identified.

Public surface: :func:`~rehab.export.run.run_export`, :class:`ExportSelection`,
:class:`DatePolicy`, :func:`~rehab.export.access.require_export`. Imports no Qt (the PDF
report lives in :mod:`rehab.report`).
"""
