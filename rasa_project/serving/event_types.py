"""Find an event's class by its type name through a table instead of a class-tree walk.

Rasa turns every stored event back into an object on every message (the whole session is
loaded), and each time ``Event.resolve_by_type`` walks every subclass of ``Event``
(``all_subclasses`` plus ``inspect.isabstract``). For a 100-turn conversation that walk was
the largest single cost of a message. The answer for a name never changes once found, so
it is kept; unknown names still go through Rasa's walk (and its errors and defaults).
"""

from __future__ import annotations

from rasa.shared.core.events import Event

_rasa_resolve_by_type = Event.resolve_by_type
_classes_by_name: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """Same contract as ``Event.resolve_by_type``, remembered per name once found."""
    found = _classes_by_name.get(type_name)
    if found is not None:
        return found
    resolved = _rasa_resolve_by_type(type_name, default)
    if resolved is not None and getattr(resolved, "type_name", None) == type_name:
        _classes_by_name[type_name] = resolved
    return resolved


def remember_event_types() -> None:
    """Make every event lookup by name use the table."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
