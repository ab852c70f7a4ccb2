"""CPU time of one call, for tests that tell linear from quadratic work."""

from __future__ import annotations

import gc
import time
from typing import Any, Callable


def cpu_seconds(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``function(*args)`` and the CPU seconds this thread spent in it.

    Thread time leaves out other processes on a busy machine and the model's own
    threads; the collector is paused because in a long test run its passes over the
    whole heap cost more than the call being measured.
    """
    gc.disable()
    try:
        started = time.thread_time()
        result = function(*args)
        return result, time.thread_time() - started
    finally:
        gc.enable()
