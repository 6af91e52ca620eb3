"""huggingface_hub and httpx2 failures turned into desktop_llm errors with sentences for people.

huggingface_hub classifies an HTTP error by the Hub's ``X-Error-Code`` header (GatedRepo,
RepoNotFound, RevisionNotFound, EntryNotFound) and otherwise raises HfHubHTTPError; connection
problems surface as httpx2 exceptions. The original exception stays attached as ``__cause__``
for the log file; the message itself never carries a URL dump, a request id or a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from desktop_llm.errors import HubAuthError, HubError, HubNotFoundError, HubOfflineError


@contextmanager
def translated_errors(
    endpoint: str,
    *,
    repo_id: str | None = None,
    revision: str | None = None,
    path: str | None = None,
    has_token: bool = False,
) -> Iterator[None]:
    """Run a Hub call; re-raise what it raises as a :class:`~desktop_llm.errors.HubError`."""
    # Lazy: importing huggingface_hub must wait until endpoint.prepare_environment has run.
    import httpx2
    from huggingface_hub import errors as hf_errors

    repo = repo_id or "The repository"
    try:
        yield
    except hf_errors.GatedRepoError as error:  # before RepositoryNotFoundError: a subclass of it
        if has_token:
            message = (
                f"{repo} is gated and your Hugging Face token has no access to it yet: accept "
                f"its terms on {endpoint}/{repo_id}, then try again."
            )
        else:
            message = (
                f"{repo} is gated: accept its terms on the Hub and add a Hugging Face token "
                "in Settings."
            )
        raise HubAuthError(message) from error
    except hf_errors.RepositoryNotFoundError as error:
        hint = "" if has_token else " If it is private, add a Hugging Face token in Settings."
        raise HubNotFoundError(
            f"{repo} was not found on the Hub at {endpoint}: check the name.{hint}"
        ) from error
    except hf_errors.RevisionNotFoundError as error:
        raise HubNotFoundError(
            f"{repo} has no branch, tag or commit named {revision!r}."
        ) from error
    except hf_errors.RemoteEntryNotFoundError as error:
        raise HubNotFoundError(f"{repo} has no file {path!r} (at {revision!r}).") from error
    except hf_errors.OfflineModeIsEnabled as error:
        raise HubOfflineError(
            "The Hub is switched off by the HF_HUB_OFFLINE environment variable: unset it to "
            "search and download models."
        ) from error
    except hf_errors.HfHubHTTPError as error:
        raise _from_status(error, endpoint) from error
    except hf_errors.HFValidationError as error:  # a malformed repository id, refused locally
        raise HubNotFoundError(
            f"{repo_id!r} is not a repository name: it looks like 'owner/name'."
        ) from error
    except httpx2.TimeoutException as error:
        raise HubOfflineError(
            f"The Hub at {endpoint} did not answer in time: check the connection or the "
            "endpoint in Settings."
        ) from error
    except httpx2.TransportError as error:  # refused, unreachable, DNS, TLS, dropped connection
        raise HubOfflineError(
            f"Can't reach the Hub at {endpoint}: check the connection or the endpoint in Settings."
        ) from error
    except json.JSONDecodeError as error:  # an HTML page: a captive portal, a wrong endpoint
        raise HubError(
            f"The server at {endpoint} does not answer like a Hugging Face Hub: check the "
            "endpoint in Settings."
        ) from error


def _from_status(error: Exception, endpoint: str) -> HubError:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if status == 401:
        # The Hub answers 401 to a token it does not accept, whatever the repository.
        return HubAuthError(
            "The Hub refused the Hugging Face token in Settings: check it, or create a new one."
        )
    if status == 403:
        return HubAuthError(
            "Your Hugging Face token is not allowed to read this repository: give it read "
            "access, or use another token in Settings."
        )
    if status == 429:
        return HubError("The Hub is limiting requests right now: try again in a few minutes.")
    if status is not None and status >= 500:
        return HubError(f"The Hub at {endpoint} has a problem (error {status}): try again later.")
    return HubError(f"The Hub at {endpoint} refused the request (error {status}).")


def os_error_reason(error: OSError) -> str:
    """What the system said went wrong with a file ("No space left on device"), without the
    "[Errno 28]" and the repr of paths that ``str(error)`` adds; callers add the file."""
    if error.strerror:
        return error.strerror
    if error.args and isinstance(error.args[0], str) and error.args[0]:
        return error.args[0]
    return "the operating system refused the operation"
