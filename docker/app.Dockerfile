# Core environment: action server, console/API, importers (Python 3.11, SQLAlchemy 2).
FROM python:3.11.7-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY dichvucong ./dichvucong
RUN pip install --no-cache-dir .
COPY actions ./actions
COPY data ./data
# The review pages list the domain's intents and skip NLU examples already in the training data.
COPY rasa_project/domain.yml ./rasa_project/domain.yml
COPY rasa_project/data/nlu ./rasa_project/data/nlu
RUN useradd --create-home --uid 10001 app
USER app
EXPOSE 5055 8000
CMD ["uvicorn", "dichvucong.api.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
