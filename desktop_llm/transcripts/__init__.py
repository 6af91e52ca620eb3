"""Conversations leaving and entering the app: export to Markdown, HTML, JSON and plain text
(PDF is drawn by ``ui/pdf_export.py`` through Qt), backups, and imports of our own files and
other chat apps' exports.

Qt-free and database-free: exporters take a ``Transcript`` (plain records), importers give
``ImportedConversation`` records that ``HistoryStore.importing()`` writes in one transaction.
"""
