"""The model manager window: discover on the Hub, download, installed models, Hub settings."""
