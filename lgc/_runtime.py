"""Process settings that make the batched walk fast; no effect on any number."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


@functools.cache
def keep_freed_memory() -> bool:
    """Let glibc keep freed memory for the next step instead of returning it.

    A walk step makes numpy temporaries of a few MB (a batch of walks x
    patterns x units). By default glibc serves each from fresh pages of the
    operating system and hands them back when freed, so every step paid the
    page faults again: Glass's forward pass took 4x longer, Iris and Diabetes
    walks 25% longer. Raising the mmap and trim thresholds keeps that memory in
    the heap for reuse. Returns False where this is not glibc (nothing changes).
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    # 32 MB is glibc's largest mmap threshold; above it allocations still use mmap
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20) and mallopt(_M_TRIM_THRESHOLD, 1 << 30))
