"""The console's business logic, kept apart from HTTP (routes) and templates."""
