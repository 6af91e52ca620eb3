"""The only package that imports PySide6: windows, dialogs and widgets over the chat service."""
