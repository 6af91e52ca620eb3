"""Pieces every settings dialog of the window has: OK/Cancel, and a line saying what is wrong."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel


def ok_cancel_buttons(dialog: QDialog) -> QDialogButtonBox:
    """OK accepts and Cancel rejects ``dialog``."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def problem_label(object_name: str) -> QLabel:
    """Hidden until there is a problem with what was typed (the dialog fills it in)."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.hide()
    return label
