"""``conversations list``, ``show`` and ``search``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from desktop_llm.cli.output import EXIT_USAGE, fail, open_service, print_json
from desktop_llm.paths import AppPaths

if TYPE_CHECKING:
    from desktop_llm.storage import MessageRecord, SearchHit

# Where a search hit's matched text starts and ends: bold on a terminal, marks elsewhere.
BOLD, PLAIN = ("\x1b[1m", "\x1b[0m"), ("**", "**")


def add_commands(commands: argparse._SubParsersAction) -> None:
    conversations = commands.add_parser(
        "conversations", help="list, show or search saved conversations"
    )
    conversation_commands = conversations.add_subparsers(dest="action", metavar="ACTION")
    conversation_commands.required = True
    listing = conversation_commands.add_parser("list", help="all conversations, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    show = conversation_commands.add_parser(
        "show", help="one conversation with the messages of the branch shown"
    )
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)
    search = conversation_commands.add_parser(
        "search", help="conversations whose messages or title hold QUERY"
    )
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=_search)


def _list(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.serialize import conversation_to_dict

    with open_service(paths) as service:
        conversations = service.conversations()
    if args.json:
        print_json([conversation_to_dict(c) for c in conversations])
        return 0
    if not conversations:
        print("No conversations yet.")
    for conversation in conversations:
        when = conversation.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        pin = "*" if conversation.pinned else " "
        print(f"{conversation.id:>5} {pin} {when}  {conversation.title}")
    return 0


def _version(message: MessageRecord) -> str:
    """"  (version 2/3)" for a message with other versions, else ""."""
    if len(message.sibling_ids) < 2 or message.id not in message.sibling_ids:
        return ""
    return f"  (version {message.sibling_ids.index(message.id) + 1}/{len(message.sibling_ids)})"


def _show(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.serialize import conversation_to_dict

    with open_service(paths) as service:
        conversation = service.conversation(args.id)
        messages = service.branch(args.id)
    if args.json:
        print_json(conversation_to_dict(conversation, messages))
        return 0
    print(f"# {conversation.title}  (conversation {conversation.id}, model {conversation.model})")
    if conversation.system_prompt:
        print(f"\n[system] {conversation.system_prompt}")
    for message in messages:
        note = "" if message.finish_reason in (None, "stop") else f"  [{message.finish_reason}]"
        print(f"\n[{message.role}]{_version(message)}{note}")
        if message.reasoning:
            print(f"(reasoning)\n{message.reasoning}\n(answer)")
        print(message.content)
    return 0


def _marks() -> tuple[str, str]:
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return BOLD
    return PLAIN


def highlighted(hit: SearchHit, marks: tuple[str, str]) -> str:
    """The hit's snippet on one line, each match between ``marks``."""
    snippet = hit.snippet
    pieces: list[str] = []
    done = 0
    for start, end in sorted(hit.highlights):
        if start < done:
            continue  # overlapping spans: the first one already covers it
        pieces += [snippet[done:start], marks[0], snippet[start:end], marks[1]]
        done = end
    pieces.append(snippet[done:])
    # Newlines flattened after marking: one character for one, so the spans still fit.
    return "".join(pieces).replace("\r", " ").replace("\n", " ")


def _search(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.serialize import search_hit_to_dict

    if not args.query.strip():
        return fail("the search is empty: give a word or phrase to look for", EXIT_USAGE)
    with open_service(paths) as service:
        hits = service.search(args.query)
    if args.json:
        print_json([search_hit_to_dict(hit) for hit in hits])
        return 0
    if not hits:
        print(f"No conversation holds {args.query!r}.")
    marks = _marks()
    for hit in hits:
        when = hit.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{hit.conversation_id:>5}  {when}  {hit.title}")
        where = "title" if hit.message_id is None else hit.role
        print(f"       [{where}] {highlighted(hit, marks)}")
    return 0
