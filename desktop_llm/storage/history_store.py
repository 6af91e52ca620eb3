"""HistoryStore: conversations and messages, plus the model registry that shares their file.

Thread-safe: every call runs in its own short session on the calling thread, and the GUI, the
thread that reads the engine process's replies and the command line may all use one store (or
one file) at the same time.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, text, update
from sqlalchemy.orm import Session

from desktop_llm.errors import ConversationNotFoundError, StorageError
from desktop_llm.i18n import translate
from desktop_llm.storage.importer import ConversationImporter
from desktop_llm.storage.instance_lock import (
    INSTANCES_DIR_NAME,
    InstanceLock,
    is_instance_alive,
    remove_dead_lock_files,
)
from desktop_llm.storage.message_tree import MessageTree
from desktop_llm.storage.model_registry import ModelRegistry
from desktop_llm.storage.orm import ConversationRow, MessageRow
from desktop_llm.storage.records import (
    FINISH_REASONS,
    ROLES,
    ConversationRecord,
    MessageRecord,
    SearchHit,
)
from desktop_llm.storage.row_mapping import conversation_record, dump_json_object, message_record
from desktop_llm.storage.search import search_history
from desktop_llm.storage.session_factory import SessionFactory
from desktop_llm.storage.titles import clean_title

# Ids per IN (...) list: well under SQLite's limit on bound parameters.
_ID_CHUNK = 500

# A whole subtree in one statement: the foreign key on parent_id is checked when the statement
# ends, by which time no remaining message points into the deleted part.
_DELETE_SUBTREE = text(
    """
    WITH RECURSIVE doomed(id) AS (
        SELECT :message_id
        UNION ALL
        SELECT messages.id FROM messages JOIN doomed ON messages.parent_id = doomed.id
    )
    DELETE FROM messages WHERE id IN (SELECT id FROM doomed)
    """
)


class _Unset(enum.Enum):
    """Marks an argument that was not passed, where ``None`` is a meaningful value."""

    UNSET = enum.auto()


_UNSET = _Unset.UNSET


def _now() -> datetime:
    return datetime.now(timezone.utc)


class HistoryStore:
    """The chat history database. Create it with ``HistoryStore.open(path)``."""

    def __init__(self, sessions: SessionFactory, instance_lock: InstanceLock) -> None:
        self._sessions = sessions
        self._lock = instance_lock
        self._instances_dir = sessions.path.parent / INSTANCES_DIR_NAME
        self._models = ModelRegistry(sessions)
        self._close_lock = threading.Lock()
        self._closed = False

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, db_path: Path) -> HistoryStore:
        """Open (creating if needed) and migrate the database, and claim an instance id."""
        sessions = SessionFactory.open(db_path)
        try:
            instance_lock = InstanceLock.acquire(sessions.path.parent / INSTANCES_DIR_NAME)
        except OSError as error:
            sessions.close()
            raise StorageError(translate(
                "Storage", "Could not create the instance lock next to {path}: {problem}."
            ).format(path=sessions.path, problem=error.strerror or error)) from error
        except BaseException:
            sessions.close()
            raise
        return cls(sessions, instance_lock)

    @property
    def instance_id(self) -> str:
        """This store's id; streaming replies it writes carry it as their writer."""
        return self._lock.instance_id

    @property
    def path(self) -> Path:
        return self._sessions.path

    @property
    def models(self) -> ModelRegistry:
        """The installed-model registry kept in this store's file (closed with the store)."""
        return self._models

    def close(self) -> None:
        """Close the database and release the instance lock; safe to call more than once."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._sessions.close()
        finally:
            self._lock.release()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- rows

    @staticmethod
    def _conversation_row(session: Session, conversation_id: int) -> ConversationRow:
        row = session.get(ConversationRow, conversation_id)
        if row is None:
            raise _no_conversation(conversation_id)
        return row

    @staticmethod
    def _message_row(session: Session, message_id: int) -> MessageRow:
        row = session.get(MessageRow, message_id)
        if row is None:
            raise ConversationNotFoundError(translate(
                "Storage",
                "Message {id} does not exist; it or its conversation may have been deleted.",
            ).format(id=message_id))
        return row

    @classmethod
    def _message_in(cls, session: Session, conversation_id: int, message_id: int) -> MessageRow:
        row = cls._message_row(session, message_id)
        if row.conversation_id != conversation_id:
            raise ValueError(
                f"message {message_id} belongs to conversation {row.conversation_id}, "
                f"not {conversation_id}"
            )
        return row

    @classmethod
    def _parent_for(
        cls, session: Session, conversation: ConversationRow, parent_id: int | _Unset | None
    ) -> int | None:
        """The parent a new message gets: the one asked for, else the current leaf."""
        if not isinstance(parent_id, _Unset):
            if parent_id is not None:
                cls._message_in(session, conversation.id, parent_id)
            return parent_id
        leaf = conversation.current_leaf_id
        if leaf is None:
            return None
        row = session.get(MessageRow, leaf)
        if row is None or row.conversation_id != conversation.id:
            # Only a hand-edited file gets here; start a new root rather than fail the send.
            return None
        return leaf

    @staticmethod
    def _tree(session: Session, conversation_id: int) -> MessageTree:
        pairs = session.execute(
            select(MessageRow.id, MessageRow.parent_id).where(
                MessageRow.conversation_id == conversation_id
            )
        )
        return MessageTree((message_id, parent) for message_id, parent in pairs)

    @staticmethod
    def _branch_records(
        session: Session, tree: MessageTree, leaf: int | None
    ) -> list[MessageRecord]:
        if leaf is None:
            return []
        path = tree.path_to(leaf)
        rows: dict[int, MessageRow] = {}
        for start in range(0, len(path), _ID_CHUNK):
            chunk = path[start : start + _ID_CHUNK]
            rows.update(
                (row.id, row)
                for row in session.scalars(select(MessageRow).where(MessageRow.id.in_(chunk)))
            )
        return [message_record(rows[i], tree.siblings(i)) for i in path if i in rows]

    # ----------------------------------------------------------------- conversations

    def create_conversation(
        self,
        title: str = "New chat",
        *,
        model: str | None = None,
        system_prompt: str = "",
        settings: Mapping[str, Any] | None = None,
    ) -> ConversationRecord:
        now = _now()
        row = ConversationRow(
            title=clean_title(title),
            created_at=now,
            updated_at=now,
            model=model,
            system_prompt=system_prompt,
            settings_json=dump_json_object(settings),
        )
        with self._sessions.writing() as session:
            session.add(row)
            session.flush()
            return conversation_record(row)

    def list_conversations(self) -> list[ConversationRecord]:
        """All conversations: pinned ones first, then the most recently active first."""
        # All three descending, so SQLite walks ix_conversations_pinned_updated_at backwards
        # (the id is in the index as its rowid) instead of sorting.
        query = select(ConversationRow).order_by(
            ConversationRow.pinned.desc(),
            ConversationRow.updated_at.desc(),
            ConversationRow.id.desc(),
        )
        with self._sessions.reading() as session:
            return [conversation_record(row) for row in session.scalars(query)]

    def conversation_ids(self) -> list[int]:
        """Every conversation's id, oldest first: what a backup walks through, without holding
        every conversation's record at once."""
        with self._sessions.reading() as session:
            return list(session.scalars(select(ConversationRow.id).order_by(ConversationRow.id)))

    def get_conversation(self, conversation_id: int) -> ConversationRecord:
        with self._sessions.reading() as session:
            return conversation_record(self._conversation_row(session, conversation_id))

    def rename_conversation(self, conversation_id: int, title: str) -> ConversationRecord:
        """Set the title (whitespace folded; blank becomes "Untitled").

        Like ``update_conversation``, this leaves ``updated_at`` alone: that field orders the
        list by chat activity, and renaming a chat should not move it to the top.
        """
        with self._sessions.writing() as session:
            row = self._conversation_row(session, conversation_id)
            row.title = clean_title(title)
            return conversation_record(row)

    def update_conversation(
        self,
        conversation_id: int,
        *,
        model: str | _Unset | None = _UNSET,
        system_prompt: str | _Unset = _UNSET,
        settings: Mapping[str, Any] | _Unset = _UNSET,
    ) -> ConversationRecord:
        """Change only the fields that are passed (``model=None`` clears the model)."""
        with self._sessions.writing() as session:
            row = self._conversation_row(session, conversation_id)
            if not isinstance(model, _Unset):
                row.model = model
            if not isinstance(system_prompt, _Unset):
                row.system_prompt = system_prompt
            if not isinstance(settings, _Unset):
                row.settings_json = dump_json_object(settings)
            return conversation_record(row)

    def set_pinned(self, conversation_id: int, pinned: bool) -> ConversationRecord:
        """Pin (or unpin) a conversation at the top of the list; ``updated_at`` is left alone."""
        with self._sessions.writing() as session:
            row = self._conversation_row(session, conversation_id)
            row.pinned = bool(pinned)
            return conversation_record(row)

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation; its messages go with it (ON DELETE CASCADE)."""
        with self._sessions.writing() as session:
            result = session.execute(
                delete(ConversationRow).where(ConversationRow.id == conversation_id)
            )
            if result.rowcount == 0:
                raise _no_conversation(conversation_id)

    # ----------------------------------------------------------------- messages

    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        model: str | None = None,
        parent_id: int | _Unset | None = _UNSET,
    ) -> MessageRecord:
        """Store a complete message; an assistant message is stored as finished ('stop').

        Without ``parent_id`` the message follows the conversation's current leaf (a plain
        append); ``parent_id=None`` starts a new root, another id a new version beside that
        message's children (an edit). Either way the new message becomes the current leaf.
        """
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        return self._insert_message(
            conversation_id,
            parent_id,
            role=role,
            content=content,
            model=model,
            finish_reason="stop" if role == "assistant" else None,
            writer=None,
        )

    def start_reply(
        self,
        conversation_id: int,
        *,
        model: str | None,
        parent_id: int | _Unset | None = _UNSET,
    ) -> MessageRecord:
        """Create an empty assistant message that this instance will stream into.

        ``parent_id`` works as in ``add_message``: pass the question's id to regenerate.
        """
        return self._insert_message(
            conversation_id,
            parent_id,
            role="assistant",
            content="",
            model=model,
            finish_reason=None,
            writer=self.instance_id,
        )

    def _insert_message(
        self, conversation_id: int, parent_id: int | _Unset | None, **values: Any
    ) -> MessageRecord:
        now = _now()
        with self._sessions.writing() as session:
            conversation = self._conversation_row(session, conversation_id)
            row = MessageRow(
                conversation_id=conversation_id,
                parent_id=self._parent_for(session, conversation, parent_id),
                created_at=now,
                updated_at=now,
                **values,
            )
            session.add(row)
            session.flush()
            conversation.updated_at = now
            conversation.current_leaf_id = row.id
            return message_record(row)

    def update_reply(
        self,
        message_id: int,
        content: str,
        *,
        completion_tokens: int | None = None,
        reasoning: str | None = None,
        quick: bool = False,
    ) -> None:
        """Save the text streamed so far, so a crash loses at most the last interval.

        ``quick``: raise ``StorageBusyError`` at once when another writer holds the history,
        instead of waiting for it; the next save carries the same text anyway.

        One UPDATE in the common case; only when nothing matched does a second query find out
        why (conversation deleted, or the reply already finished or marked interrupted).
        """
        values: dict[str, Any] = {"content": content, "updated_at": _now()}
        if completion_tokens is not None:
            values["completion_tokens"] = completion_tokens
        if reasoning is not None:
            values["reasoning"] = reasoning
        statement = (
            update(MessageRow)
            .where(MessageRow.id == message_id, MessageRow.finish_reason.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        with self._sessions.writing(quick=quick) as session:
            if session.execute(statement).rowcount == 1:
                return
            row = self._message_row(session, message_id)
            raise StorageError(translate(
                "Storage",
                "Reply {id} is no longer streaming (finished as {reason}); it cannot be updated.",
            ).format(id=message_id, reason=repr(row.finish_reason)))

    def finish_reply(
        self,
        message_id: int,
        *,
        content: str,
        finish_reason: str,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        tokens_per_second: float | None = None,
        time_to_first_token: float | None = None,
        error: str | None = None,
        reasoning: str | None = None,
        context_from_id: int | None = None,
    ) -> MessageRecord:
        """Store the final text and statistics of a reply and mark it finished.

        A statistic, ``reasoning`` or ``context_from_id`` passed as None keeps what is already
        stored (such as the completion_tokens last saved by ``update_reply``) rather than
        erasing it.
        """
        if finish_reason not in FINISH_REASONS:
            raise ValueError(
                f"finish_reason must be one of {', '.join(FINISH_REASONS)}, not {finish_reason!r}"
            )
        now = _now()
        with self._sessions.writing() as session:
            row = self._message_row(session, message_id)
            if row.role != "assistant":
                raise ValueError(f"message {message_id} is a {row.role} message, not a reply")
            row.content = content
            row.finish_reason = finish_reason
            if prompt_tokens is not None:
                row.prompt_tokens = prompt_tokens
            if completion_tokens is not None:
                row.completion_tokens = completion_tokens
            if tokens_per_second is not None:
                row.tokens_per_second = tokens_per_second
            if time_to_first_token is not None:
                row.time_to_first_token = time_to_first_token
            if reasoning is not None:
                row.reasoning = reasoning
            if context_from_id is not None:
                row.context_from_id = context_from_id
            row.error = error
            row.writer = None
            row.updated_at = now
            self._conversation_row(session, row.conversation_id).updated_at = now
            return message_record(row)

    def resume_reply(self, message_id: int) -> MessageRecord:
        """Reopen a finished reply so this instance can stream more text onto its end.

        For "continue" after a reply stopped at the length limit: the reply is streaming again
        (finish reason and error cleared), written by this instance, and the current leaf.
        """
        now = _now()
        with self._sessions.writing() as session:
            row = self._message_row(session, message_id)
            if row.role != "assistant":
                raise ValueError(f"message {message_id} is a {row.role} message, not a reply")
            if row.finish_reason is None:
                raise StorageError(translate(
                    "Storage", "Reply {id} is still being written; wait for it."
                ).format(id=message_id))
            row.finish_reason = None
            row.error = None
            row.writer = self.instance_id
            row.updated_at = now
            conversation = self._conversation_row(session, row.conversation_id)
            conversation.current_leaf_id = row.id
            conversation.updated_at = now
            return message_record(row)

    def branch(self, conversation_id: int) -> list[MessageRecord]:
        """The branch shown: root to current leaf, each message with its ``sibling_ids``."""
        with self._sessions.reading() as session:
            conversation = self._conversation_row(session, conversation_id)
            tree = self._tree(session, conversation_id)
            leaf = conversation.current_leaf_id
            if leaf not in tree:
                # Only a hand-edited file gets here: show the newest message's branch.
                leaf = tree.newest()
            return self._branch_records(session, tree, leaf)

    def select_branch(self, conversation_id: int, message_id: int) -> list[MessageRecord]:
        """Show the branch through ``message_id`` (then the newest child at each step).

        Returns the new branch, as ``branch`` would.
        """
        with self._sessions.writing() as session:
            conversation = self._conversation_row(session, conversation_id)
            self._message_in(session, conversation_id, message_id)
            tree = self._tree(session, conversation_id)
            leaf = tree.newest_leaf_under(message_id)
            conversation.current_leaf_id = leaf
            return self._branch_records(session, tree, leaf)

    def delete_message(self, message_id: int) -> None:
        """Delete a message and everything under it (the later turns of its branches).

        When the current leaf goes with them, the branch shown becomes the one through the
        deleted message's parent (its newest remaining child at each step), or the newest
        remaining root's when a first message was deleted; None when nothing is left.
        """
        with self._sessions.writing() as session:
            row = self._message_row(session, message_id)
            parent_id = row.parent_id
            conversation = self._conversation_row(session, row.conversation_id)
            tree = self._tree(session, row.conversation_id)
            doomed = tree.subtree(message_id)
            session.execute(_DELETE_SUBTREE, {"message_id": message_id})
            # The rows are gone; keep the session from ever flushing stale copies of them.
            session.expunge(row)
            if conversation.current_leaf_id in doomed:
                conversation.current_leaf_id = tree.without(doomed).newest_leaf_under(parent_id)

    def set_token_counts(self, counts: Mapping[int, int]) -> None:
        """Store the token counts of messages' content; ids no longer present are skipped."""
        if not counts:
            return
        table = MessageRow.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("message_id"))
            .values(token_count=bindparam("count"))
        )
        with self._sessions.writing() as session:
            session.connection().execute(
                statement,
                [{"message_id": key, "count": value} for key, value in counts.items()],
            )

    def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Conversations whose messages or title contain every word of ``query``.

        One hit per conversation (its newest matching message, or its title), the most recently
        active first. The text is taken literally, whatever it holds; see ``search.py``.
        """
        with self._sessions.reading() as session:
            return search_history(session, query, limit=limit)

    def list_messages(self, conversation_id: int) -> list[MessageRecord]:
        """Every message of every branch, in the order they were written (no sibling_ids)."""
        query = (
            select(MessageRow)
            .where(MessageRow.conversation_id == conversation_id)
            .order_by(MessageRow.id)
        )
        with self._sessions.reading() as session:
            self._conversation_row(session, conversation_id)
            return [message_record(row) for row in session.scalars(query)]

    @contextmanager
    def importing(self) -> Iterator[ConversationImporter]:
        """One transaction for a whole import: ``with store.importing() as importer:`` then
        ``importer.add(conversation)`` for each conversation of the file.

        Committed when the block ends; any exception inside it (a refusal found halfway
        through a file, a full disk) rolls back every conversation added, so an import is
        whole or absent. The write lock is held throughout: other writers wait (up to the
        busy timeout) rather than slip rows between the imported ones.
        """
        with self._sessions.writing() as session:
            yield ConversationImporter(session.connection())

    def recover_interrupted(self) -> int:
        """Mark replies whose writer died mid-stream as 'interrupted'; returns how many.

        Replies still being written by a live instance (this one, another store in this
        process, or another process such as the GUI while the CLI starts) are left alone.
        """
        streaming = (MessageRow.role == "assistant", MessageRow.finish_reason.is_(None))
        with self._sessions.writing() as session:
            writers = session.scalars(select(MessageRow.writer).where(*streaming).distinct())
            dead = [
                writer
                for writer in writers
                if writer is not None
                and writer != self.instance_id
                and not is_instance_alive(self._instances_dir, writer)
            ]
            result = session.execute(
                update(MessageRow)
                .where(*streaming, or_(MessageRow.writer.is_(None), MessageRow.writer.in_(dead)))
                .values(finish_reason="interrupted", writer=None, updated_at=_now())
                .execution_options(synchronize_session=False)
            )
            recovered = result.rowcount
        try:
            remove_dead_lock_files(self._instances_dir)
        except OSError as error:
            raise StorageError(translate(
                "Storage", "Could not clean up {folder}: {problem}."
            ).format(folder=self._instances_dir, problem=error.strerror or error)) from error
        return recovered


def _no_conversation(conversation_id: int) -> ConversationNotFoundError:
    return ConversationNotFoundError(translate(
        "Storage", "Conversation {id} does not exist; it may have been deleted."
    ).format(id=conversation_id))
