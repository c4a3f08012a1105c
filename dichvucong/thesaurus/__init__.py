"""The domain thesaurus: citizens' everyday names for official terms, kept as data.

Officials edit synonym groups in the console (``/console/thesaurus``) or import them from a
file; search reads the enabled groups through :func:`load_thesaurus` whenever the content
revision moves, so an edit changes how questions are read within seconds, with no retraining.
"""

from dichvucong.thesaurus.matcher import SynonymGroupView, Thesaurus, load_thesaurus

__all__ = ["SynonymGroupView", "Thesaurus", "load_thesaurus"]
