# Rasa 3.6 server (Python 3.10) with our NLU components and channels. The model is trained
# at build time so containers never download or train anything at run time.
FROM python:3.10.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app:/app/rasa_project TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app
COPY requirements/rasa.txt requirements/rasa.txt
RUN pip install --no-cache-dir 'pip<25' 'setuptools==70.3.0' wheel && pip install --no-cache-dir -r requirements/rasa.txt
COPY dichvucong/__init__.py dichvucong/__init__.py
COPY dichvucong/text dichvucong/text
# the web channel verifies widget session tokens with the console's signer (stdlib only)
COPY dichvucong/widget/__init__.py dichvucong/widget/token.py dichvucong/widget/
COPY connectors connectors
COPY rasa_project rasa_project
WORKDIR /app/rasa_project
RUN rasa train --fixed-model-name current --out models
RUN useradd --create-home --uid 10001 rasa
# Zalo tokens (ZALO_TOKEN_FILE) live on a volume shared by the Rasa servers: owned by rasa
RUN mkdir -p /app/var/zalo && chown rasa:rasa /app/var/zalo
USER rasa
EXPOSE 5005
# The HTTP API always requires RASA_AUTH_TOKEN; CORS only for RASA_CORS_ORIGINS (portal origins).
CMD ["sh", "-c", "exec python -m serving run --enable-api --auth-token=\"${RASA_AUTH_TOKEN:?set RASA_AUTH_TOKEN}\" --port 5005 --model models/current.tar.gz --endpoints endpoints.yml --credentials credentials.yml --cors ${RASA_CORS_ORIGINS:?set RASA_CORS_ORIGINS}"]
