"""The bounds a GGUF header must stay within before we believe it.

Every count and length in a GGUF header is a number an attacker or a damaged disk can set to
anything. The parser checks each one against these limits before it loops or slices, so a
crafted file costs at most a bounded amount of time and memory. Each limit is far above what
real models use, so no genuine file is refused by them.

Byte limits a message may quote are round decimal numbers, as messages show decimal sizes.
"""

from __future__ import annotations

GGUF_MAGIC = b"GGUF"

# Version 1 (2023) stored counts as 32-bit numbers and llama.cpp dropped it; 2 and 3 differ only
# in details llama.cpp still reads.
OBSOLETE_VERSION = 1
SUPPORTED_VERSIONS = frozenset({2, 3})

# magic (4) + version (4) + tensor count (8) + metadata count (8)
FIXED_HEADER_BYTES = 24

# Real models have a few hundred tensors per file (a 671B MoE with merged experts ~1,100);
# llama.cpp itself has no limit, so this only stops a crafted count from meaning "loop forever".
MAX_TENSOR_COUNT = 1 << 18

# Real files carry 20-60 metadata keys.
MAX_KV_COUNT = 1 << 16

# The smallest possible entries, used to tell whether a file could hold the counts it claims:
# a tensor is a name length (8), a 1-byte name, n_dims (4), one dim (8), a type (4), an offset (8);
# a key/value is a key length (8), a 1-byte key, a value type (4) and a 1-byte value.
MIN_TENSOR_INFO_BYTES = 33
MIN_KV_BYTES = 14

# Keys are short dotted names ("llama.attention.head_count_kv").
MAX_KEY_BYTES = 1024

# Single string values: chat templates reach ~100 KB and an embedded tokenizer.json ~30 MB.
MAX_STRING_BYTES = 64_000_000

# Strings inside arrays are tokens and merges: a few bytes, rarely a few hundred.
MAX_ARRAY_STRING_BYTES = 1_000_000

# Vocabularies reach ~260k tokens and merge lists ~500k entries.
MAX_ARRAY_LENGTH = 1 << 22

# Arrays this short are kept with their values (per-layer head counts, languages, ...); longer
# ones (the vocabulary) are summarised by their length so a parsed header stays small.
MAX_KEPT_ARRAY_LENGTH = 512

# ggml's GGML_MAX_NAME is 64 including the terminating NUL; longer names are refused by it.
MAX_TENSOR_NAME_BYTES = 63

# ggml's GGML_MAX_DIMS.
MAX_TENSOR_DIMS = 4

# ggml stores element counts as int64.
MAX_TENSOR_ELEMENTS = (1 << 63) - 1

# Default of general.alignment (GGUF spec and ggml).
DEFAULT_ALIGNMENT = 32

# The largest real headers (a 262k vocabulary with scores and types, plus merges) are ~10 MB.
MAX_HEADER_BYTES = 256_000_000

# No single GGUF file is this big (the largest merged 1T-parameter BF16 files are ~2 TB): a file
# whose tensors end beyond it is damaged, not merely cut off.
MAX_PLAUSIBLE_FILE_BYTES = 16 * 1024**4

# What read_gguf_info reads first: enough for the header of most models in one go.
INITIAL_READ_BYTES = 4 * 1024 * 1024
