"""Keep Python's cyclic garbage collector off the long-lived objects of a loaded model.

After Rasa has loaded the model (TensorFlow, the graph, the domain, the policies' lookup
tables: several hundred thousand objects that live as long as the server), every full
collection walks all of them again, on the event loop, while the citizens' messages wait:
the long pauses behind the slowest answers at 20 concurrent citizens. Here, once the agent
is loaded, everything alive is moved to the permanent generation (``gc.freeze``), so later
collections walk only what messages create; and the youngest generation is collected less
often, since a message allocates a few thousand short-lived containers that are freed by
reference counting anyway.

Nothing is switched off: cycles made after start-up are still collected. Measured in
docs/performance.md.
"""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.run

log = logging.getLogger(__name__)

# Objects allocated (minus freed) before the youngest generation is collected; Python's
# default is 700, which at ~70 messages a second means hundreds of collections a second.
YOUNG_GENERATION_THRESHOLD = 20_000
# Young collections between collections of the middle and of the oldest generation
# (Python's defaults).
MIDDLE_GENERATION_EVERY = 10
OLD_GENERATION_EVERY = 10

_FLAG = "_dichvucong_freezes_after_load"


def freeze_after_model_load() -> None:
    """Wrap Rasa's agent loading so the model's objects are frozen once it is in memory (idempotent)."""
    loader: Callable[..., Awaitable[Any]] = rasa.core.run.load_agent_on_start
    if getattr(loader, _FLAG, False):
        return

    @functools.wraps(loader)
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await loader(*args, **kwargs)
        freeze_long_lived_objects()
        return agent

    setattr(load_then_freeze, _FLAG, True)
    rasa.core.run.load_agent_on_start = load_then_freeze


def freeze_long_lived_objects() -> None:
    """Collect what start-up left behind, freeze the rest and raise the young-generation bar."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, MIDDLE_GENERATION_EVERY, OLD_GENERATION_EVERY)
    log.info("garbage collector: %d start-up objects frozen", gc.get_freeze_count())
