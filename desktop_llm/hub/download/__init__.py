"""The download engine: resumable, verified transfers of Hub files and the queue that runs them.

* ``manager``: DownloadManager, the queue (worker threads, pause / resume / cancel, restore)
* ``job``: DownloadJob (one model, its state and its transitions) and DownloadSnapshot
* ``manifest`` and ``partial_state``: what is written in ``<models>/.partial`` so a download
  outlives the app; ``local_paths``: where files land and the names that are refused
* ``transfer``: download_file, one file over HTTP with Range resume and a sha256 check;
  ``transfer_control``, ``transfer_rate``, ``write_behind``, ``retry``: its parts
* ``snapshot_publisher``: hands snapshots to listeners from one thread
"""

from __future__ import annotations

from desktop_llm.hub.download.job import DownloadJob, DownloadSnapshot, JobState
from desktop_llm.hub.download.manager import DownloadManager
from desktop_llm.hub.download.retry import RetryPolicy
from desktop_llm.hub.download.transfer import TransferOptions, download_file

__all__ = [
    "DownloadJob",
    "DownloadManager",
    "DownloadSnapshot",
    "JobState",
    "RetryPolicy",
    "TransferOptions",
    "download_file",
]
