"""Core package of the public-service assistant (catalogue, FAQs, search, answers).

Importing the package itself is cheap and dependency-free so the Rasa environment can use
:mod:`dichvucong.text` without pulling in SQLAlchemy or FastAPI.
"""

__version__ = "0.1.0"
