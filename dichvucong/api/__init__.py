"""The console/API service (FastAPI), port 8000."""
