"""The limits an imported file must keep, so a hostile or broken one is refused quickly and in
bounded memory. Each value is far above anything a real chat history holds, and low enough that
hitting it costs at most a few hundred megabytes and a few seconds.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# --------------------------------------------------------------------------- JSON

# One conversation's JSON text (our document, one element of a ChatGPT or OpenAI list). The
# longest real ChatGPT conversations are a few megabytes; decoded, 64 Mi characters become a
# few hundred megabytes of Python objects at worst, the most one import ever holds at once.
MAX_CONVERSATION_JSON_CHARS = 64 * MIB

# A file holding a top-level JSON list is read one element at a time, so its own size only
# costs time: 8 GiB is many times the largest ChatGPT export seen (about 1 GB).
MAX_JSON_FILE_BYTES = 8 * GIB

# One message's text (and any other single string we keep). 8 million characters is about two
# million tokens: more than any model's context, so no real message comes near it.
MAX_TEXT_CHARS = 8_000_000

# Titles, model names, ids and other one-line fields: a line, not a document.
MAX_NAME_CHARS = 10_000

# Nesting of the JSON values we keep as they are (a conversation's settings). Ours are flat
# objects with short lists; 32 levels leaves room for other apps' settings. Deeper nesting
# anywhere else is stopped by the decoder's recursion guard (about a thousand levels).
MAX_SETTINGS_DEPTH = 32
# And their size as stored JSON: settings are a few hundred bytes.
MAX_SETTINGS_CHARS = 1 * MIB

# Messages (or ChatGPT tree nodes) in one conversation: a message a minute for three months.
# Bounds the id maps an import keeps per conversation.
MAX_MESSAGES_PER_CONVERSATION = 100_000

# Conversations in one file: heavy ChatGPT users have a few thousand. The whole file is one
# transaction, so this also bounds how long other writers may wait for it.
MAX_CONVERSATIONS_PER_FILE = 200_000

# How much of a file is read at a time while streaming a JSON list.
READ_CHUNK_BYTES = 1 * MIB

# --------------------------------------------------------------------------- zip

# Entries listed in a zip's central directory. zipfile holds one ZipInfo (a few hundred bytes)
# per entry in memory; a ChatGPT export with its images has thousands, a backup one per
# conversation.
MAX_ZIP_ENTRIES = 100_000

# The central directory's own size, read whole by zipfile before we can look at any entry
# (about 100 bytes an entry in practice; this allows 160 on average at the entry limit).
MAX_ZIP_DIRECTORY_BYTES = 16 * MIB

# Bytes decompressed from all the entries we read, counted as they come out (never taken from
# the headers, which can lie): a 1 GB conversations.json is about the largest real one.
MAX_ZIP_UNCOMPRESSED_BYTES = 4 * GIB

# Decompressed bytes per compressed byte. JSON text deflates 5 to 20 times, very repetitive
# text up to about 100; a zip bomb reaches 1,000 (deflate's ceiling) and beyond when nested.
# Checked once an entry has produced more than MIN_RATIO_CHECK_BYTES, since a small file of
# spaces legitimately compresses far better.
MAX_COMPRESSION_RATIO = 200
MIN_RATIO_CHECK_BYTES = 8 * MIB

# manifest.json of a backup: five short fields.
MAX_MANIFEST_BYTES = 64 * KIB
