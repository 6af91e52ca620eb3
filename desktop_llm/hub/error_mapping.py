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
from desktop_llm.i18n import translate


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

    repo = repo_id or translate("Hub", "The repository")
    try:
        yield
    except hf_errors.GatedRepoError as error:  # before RepositoryNotFoundError: a subclass of it
        if has_token:
            message = translate(
                "Hub",
                "{repo} is gated and your Hugging Face token has no access to it yet: accept "
                "its terms on {page}, then try again.",
            ).format(repo=repo, page=f"{endpoint}/{repo_id}")
        else:
            message = translate(
                "Hub",
                "{repo} is gated: accept its terms on the Hub and add a Hugging Face token in "
                "Settings.",
            ).format(repo=repo)
        raise HubAuthError(message) from error
    except hf_errors.RepositoryNotFoundError as error:
        message = translate(
            "Hub", "{repo} was not found on the Hub at {endpoint}: check the name."
        ) if has_token else translate(
            "Hub",
            "{repo} was not found on the Hub at {endpoint}: check the name. If it is private, "
            "add a Hugging Face token in Settings.",
        )
        raise HubNotFoundError(message.format(repo=repo, endpoint=endpoint)) from error
    except hf_errors.RevisionNotFoundError as error:
        raise HubNotFoundError(translate(
            "Hub", "{repo} has no branch, tag or commit named {revision}."
        ).format(repo=repo, revision=repr(revision))) from error
    except hf_errors.RemoteEntryNotFoundError as error:
        raise HubNotFoundError(translate(
            "Hub", "{repo} has no file {path} (at {revision})."
        ).format(repo=repo, path=repr(path), revision=repr(revision))) from error
    except hf_errors.OfflineModeIsEnabled as error:
        raise HubOfflineError(translate(
            "Hub",
            "The Hub is switched off by the HF_HUB_OFFLINE environment variable: unset it to "
            "search and download models.",
        )) from error
    except hf_errors.HfHubHTTPError as error:
        raise _from_status(error, endpoint) from error
    except hf_errors.HFValidationError as error:  # a malformed repository id, refused locally
        raise HubNotFoundError(translate(
            "Hub", "{repo} is not a repository name: it looks like 'owner/name'."
        ).format(repo=repr(repo_id))) from error
    except httpx2.TimeoutException as error:
        raise HubOfflineError(translate(
            "Hub",
            "The Hub at {endpoint} did not answer in time: check the connection or the "
            "endpoint in Settings.",
        ).format(endpoint=endpoint)) from error
    except httpx2.TransportError as error:  # refused, unreachable, DNS, TLS, dropped connection
        raise HubOfflineError(translate(
            "Hub",
            "Can't reach the Hub at {endpoint}: check the connection or the endpoint in Settings.",
        ).format(endpoint=endpoint)) from error
    except json.JSONDecodeError as error:  # an HTML page: a captive portal, a wrong endpoint
        raise HubError(translate(
            "Hub",
            "The server at {endpoint} does not answer like a Hugging Face Hub: check the "
            "endpoint in Settings.",
        ).format(endpoint=endpoint)) from error


def _from_status(error: Exception, endpoint: str) -> HubError:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if status == 401:
        # The Hub answers 401 to a token it does not accept, whatever the repository.
        return HubAuthError(translate(
            "Hub",
            "The Hub refused the Hugging Face token in Settings: check it, or create a new one.",
        ))
    if status == 403:
        return HubAuthError(translate(
            "Hub",
            "Your Hugging Face token is not allowed to read this repository: give it read "
            "access, or use another token in Settings.",
        ))
    if status == 429:
        return HubError(translate(
            "Hub", "The Hub is limiting requests right now: try again in a few minutes."
        ))
    if status is not None and status >= 500:
        return HubError(translate(
            "Hub", "The Hub at {endpoint} has a problem (error {status}): try again later."
        ).format(endpoint=endpoint, status=status))
    return HubError(translate(
        "Hub", "The Hub at {endpoint} refused the request (error {status})."
    ).format(endpoint=endpoint, status=status))


def os_error_reason(error: OSError) -> str:
    """What the system said went wrong with a file ("No space left on device"), without the
    "[Errno 28]" and the repr of paths that ``str(error)`` adds; callers add the file."""
    if error.strerror:
        return error.strerror
    if error.args and isinstance(error.args[0], str) and error.args[0]:
        return error.args[0]
    return translate("Hub", "the operating system refused the operation")
