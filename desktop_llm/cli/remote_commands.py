"""``desktop-llm remotes``: add, list and remove OpenAI-compatible servers.

Their models are named ``NAME/MODEL_ID`` (``desktop-llm chat --model gpu/llama-70b``) and
listed by ``desktop-llm models list``. An API key is read from stdin (``--api-key-stdin``),
never from the command line (where other users and the shell history could read it), and
kept in the system keyring.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from desktop_llm.cli.output import EXIT_USAGE, fail, open_service, print_json
from desktop_llm.paths import AppPaths

if TYPE_CHECKING:
    from desktop_llm.chat.remotes import RemoteModels


def add_commands(commands: argparse._SubParsersAction) -> None:
    remotes = commands.add_parser(
        "remotes", help="OpenAI-compatible servers whose models you can chat with"
    )
    actions = remotes.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    add = actions.add_parser(
        "add", help="add a server (or replace one of the same name)",
        description="Add an OpenAI-compatible server; its models become NAME/MODEL_ID.",
    )
    add.add_argument("name", metavar="NAME", help="a short name, such as gpu")
    add.add_argument(
        "url", metavar="URL", help="the API base, as the OpenAI client takes it: "
        "http://gpu-box:8000/v1",
    )
    add.add_argument(
        "--api-key-stdin", action="store_true",
        help="read the server's API key from stdin (kept in the system keyring)",
    )
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="the servers added, with their models")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    remove = actions.add_parser("remove", help="forget a server and its API key")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_remove)


def _add(args: argparse.Namespace, paths: AppPaths) -> int:
    api_key = None
    if args.api_key_stdin:
        api_key = sys.stdin.readline().strip() if sys.stdin is not None else ""
        if not api_key:
            return fail("--api-key-stdin read no key from stdin", EXIT_USAGE)
    with open_service(paths) as service:
        remote = service.remotes.add(args.name, args.url, api_key)
        kept = service.remotes.key_kept_in_keyring(remote.name)
        models = service.remotes.models_of(remote)
    if args.json:
        print_json(remote_to_dict(models, has_key=api_key is not None))
    else:
        print(f"Added {remote.name} ({remote.base_url}).")
        if models.error is None:
            ids = ", ".join(model.id for model in models.models) or "none"
            print(f"Its models: {ids}")
    if api_key is not None and not kept:
        print(
            "desktop-llm: no system keyring is available: the API key was not saved.",
            file=sys.stderr,
        )
    if models.error is not None:
        # Saved all the same: the server may simply be off for now.
        print(f"desktop-llm: {models.error}", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace, paths: AppPaths) -> int:
    with open_service(paths) as service:
        answers = service.remotes.models()
        keys = {entry.remote.name: service.remotes.api_key(entry.remote.name) is not None
                for entry in answers}
    if args.json:
        print_json([remote_to_dict(entry, has_key=keys[entry.remote.name]) for entry in answers])
        return 0
    if not answers:
        print("No remote servers. Add one: desktop-llm remotes add NAME URL")
    for entry in answers:
        key = "; API key saved" if keys[entry.remote.name] else ""
        print(f"{entry.remote.name}  ({entry.remote.base_url}{key})")
        if entry.error is not None:
            print(f"  {entry.error}")
        for name in entry.names():
            print(f"  {name}")
    return 0


def _remove(args: argparse.Namespace, paths: AppPaths) -> int:
    with open_service(paths) as service:
        remote = service.remotes.remove(args.name)
    print(f"Removed {remote.name} ({remote.base_url}) and its API key.")
    return 0


def remote_to_dict(entry: RemoteModels, *, has_key: bool) -> dict[str, Any]:
    return {
        "name": entry.remote.name,
        "base_url": entry.remote.base_url,
        "api_key_saved": has_key,
        "models": [model.id for model in entry.models],
        "error": entry.error,
    }


def remote_models_to_dicts(entry: RemoteModels) -> list[dict[str, Any]]:
    """The server's models as ``models list --json`` shows them, beside the local ones."""
    return [
        {
            "name": f"{entry.remote.name}/{model.id}",
            "engine": "remote",
            "remote": entry.remote.name,
            "base_url": entry.remote.base_url,
            "model_id": model.id,
            "context_length": model.n_ctx,
        }
        for model in entry.models
    ]
